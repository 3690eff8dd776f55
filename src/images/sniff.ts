/**
 * Identify an uploaded image by its bytes alone and read its dimensions from the headers.
 *
 * Pure and runtime-agnostic: Uint8Array in, a tagged result out. No pixel data is decoded and no
 * input makes it throw; every read is bounds-checked and every loop advances, so a hostile file can
 * neither read out of bounds nor spin. Dimensions are reported as the header claims them (they may
 * be huge); the caller enforces its own pixel cap.
 *
 * - unsupported_type: the bytes are not JPEG, PNG, WebP or GIF (SVG, PDF, HTML, text, empty, …).
 * - corrupt: the magic bytes match a supported format but the header is truncated, malformed, or
 *   claims a zero dimension.
 */

export type ImageFormat = "jpeg" | "png" | "webp" | "gif";

export interface SniffedImage {
  format: ImageFormat;
  contentType: "image/jpeg" | "image/png" | "image/webp" | "image/gif";
  extension: "jpg" | "png" | "webp" | "gif";
  width: number;
  height: number;
}

export type SniffResult =
  | { ok: true; image: SniffedImage }
  | { ok: false; reason: "unsupported_type"; detail: string }
  | { ok: false; reason: "corrupt"; detail: string };

const ACCEPTED = "accepted types: JPEG, PNG, WebP, GIF";

const FORMATS = {
  jpeg: { format: "jpeg", contentType: "image/jpeg", extension: "jpg", name: "JPEG" },
  png: { format: "png", contentType: "image/png", extension: "png", name: "PNG" },
  webp: { format: "webp", contentType: "image/webp", extension: "webp", name: "WebP" },
  gif: { format: "gif", contentType: "image/gif", extension: "gif", name: "GIF" },
} as const;

type Dims = { width: number; height: number } | { error: string };

export function sniffImage(bytes: Uint8Array): SniffResult {
  try {
    return sniff(bytes);
  } catch {
    // Unreachable by construction (every read is bounds-checked); kept so the contract
    // "never throws" holds even if a future edit slips.
    return { ok: false, reason: "corrupt", detail: "the image header could not be read" };
  }
}

function sniff(b: Uint8Array): SniffResult {
  let format: ImageFormat;
  let dims: Dims;
  if (startsWith(b, 0, [0xff, 0xd8, 0xff])) {
    format = "jpeg";
    dims = jpegDims(b);
  } else if (startsWith(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    format = "png";
    dims = pngDims(b);
  } else if (startsWithAscii(b, 0, "GIF87a") || startsWithAscii(b, 0, "GIF89a")) {
    format = "gif";
    dims = gifDims(b);
  } else if (startsWithAscii(b, 0, "RIFF") && startsWithAscii(b, 8, "WEBP")) {
    format = "webp";
    dims = webpDims(b);
  } else {
    return { ok: false, reason: "unsupported_type", detail: describeUnsupported(b) };
  }

  const info = FORMATS[format];
  if ("error" in dims) {
    return { ok: false, reason: "corrupt", detail: `${info.name} file is corrupt: ${dims.error}` };
  }
  if (dims.width <= 0 || dims.height <= 0) {
    return {
      ok: false,
      reason: "corrupt",
      detail: `${info.name} file is corrupt: header claims zero dimensions (${dims.width}x${dims.height})`,
    };
  }
  return {
    ok: true,
    image: {
      format: info.format,
      contentType: info.contentType,
      extension: info.extension,
      width: dims.width,
      height: dims.height,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// byte helpers (all return -1 / false when out of bounds instead of reading undefined)

function byteAt(b: Uint8Array, i: number): number {
  return i >= 0 && i < b.length ? (b[i] ?? -1) : -1;
}

function has(b: Uint8Array, offset: number, length: number): boolean {
  return offset >= 0 && length >= 0 && offset + length <= b.length;
}

function u16be(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
}

function u16le(b: Uint8Array, i: number): number {
  return (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
}

function u24le(b: Uint8Array, i: number): number {
  return (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16);
}

function u32be(b: Uint8Array, i: number): number {
  // >>> 0 keeps the result unsigned (a PNG dimension may use all 31 bits).
  return (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
}

function u32le(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24)) >>> 0;
}

function startsWith(b: Uint8Array, offset: number, sig: readonly number[]): boolean {
  if (!has(b, offset, sig.length)) return false;
  for (let i = 0; i < sig.length; i++) if (b[offset + i] !== sig[i]) return false;
  return true;
}

function startsWithAscii(b: Uint8Array, offset: number, s: string): boolean {
  if (!has(b, offset, s.length)) return false;
  for (let i = 0; i < s.length; i++) if (b[offset + i] !== s.charCodeAt(i)) return false;
  return true;
}

function ascii(b: Uint8Array, offset: number, length: number): string {
  let s = "";
  for (let i = offset; i < offset + length && i < b.length; i++) s += String.fromCharCode(b[i] ?? 0);
  return s;
}

function printable(s: string): string {
  return JSON.stringify(s.replace(/[^\x20-\x7e]/g, "?"));
}

// ---------------------------------------------------------------------------------------------
// PNG: signature, then the first chunk must be IHDR (length 13): width, height as u32 big-endian.

function pngDims(b: Uint8Array): Dims {
  // 8 signature + 4 length + 4 type + 8 (width, height) of the 13-byte IHDR payload.
  if (!has(b, 8, 16)) return { error: "truncated before the IHDR chunk" };
  const type = ascii(b, 12, 4);
  if (type !== "IHDR") return { error: `first chunk is ${printable(type)}, expected "IHDR"` };
  const length = u32be(b, 8);
  if (length !== 13) return { error: `IHDR chunk length is ${length}, expected 13` };
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  if (width > 0x7fffffff || height > 0x7fffffff) return { error: "IHDR dimension exceeds 2^31-1" };
  return { width, height };
}

// ---------------------------------------------------------------------------------------------
// GIF: 6-byte signature, then the logical screen descriptor: width, height as u16 little-endian.

function gifDims(b: Uint8Array): Dims {
  if (!has(b, 6, 4)) return { error: "truncated before the logical screen descriptor" };
  return { width: u16le(b, 6), height: u16le(b, 8) };
}

// ---------------------------------------------------------------------------------------------
// WebP: "RIFF" size "WEBP", then the first chunk decides the flavour.

function webpDims(b: Uint8Array): Dims {
  if (!has(b, 12, 8)) return { error: "truncated before the first chunk" };
  const fourcc = ascii(b, 12, 4);
  const p = 20; // chunk payload
  switch (fourcc) {
    case "VP8 ": {
      // 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height (2 high bits = scale).
      if (!has(b, p, 10)) return { error: "truncated VP8 frame header" };
      if (((b[p] ?? 0) & 1) !== 0) return { error: "VP8 frame is not a key frame" };
      if (!startsWith(b, p + 3, [0x9d, 0x01, 0x2a])) return { error: "missing VP8 start code" };
      return { width: u16le(b, p + 6) & 0x3fff, height: u16le(b, p + 8) & 0x3fff };
    }
    case "VP8L": {
      // signature 0x2F, then 14 bits width-1, 14 bits height-1, 1 bit alpha, 3 bits version (0).
      if (!has(b, p, 5)) return { error: "truncated VP8L header" };
      if (b[p] !== 0x2f) return { error: "missing VP8L signature" };
      const bits = u32le(b, p + 1);
      if (bits >>> 29 !== 0) return { error: "unknown VP8L version" };
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    case "VP8X": {
      // 1 byte flags, 3 reserved, then 24-bit canvas width-1 and height-1.
      if (!has(b, p, 10)) return { error: "truncated VP8X header" };
      return { width: u24le(b, p + 4) + 1, height: u24le(b, p + 7) + 1 };
    }
    default:
      return { error: `unknown first chunk ${printable(fourcc)} (expected "VP8 ", "VP8L" or "VP8X")` };
  }
}

// ---------------------------------------------------------------------------------------------
// JPEG: walk marker segments from SOI to the first start-of-frame.

/** SOF0–3, 5–7, 9–B, D–F. Not C4 (DHT), C8 (JPG, reserved), CC (DAC). */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegDims(b: Uint8Array): Dims {
  const n = b.length;
  let pos = 2; // after SOI (FF D8)
  // Every iteration advances pos by at least one byte, so the walk is O(n) and terminates.
  while (pos < n) {
    // Like libjpeg, tolerate stray bytes before a marker: scan to the next 0xFF.
    if (b[pos] !== 0xff) {
      pos++;
      continue;
    }
    // Skip fill bytes (any number of 0xFF before the marker code).
    while (pos < n && b[pos] === 0xff) pos++;
    if (pos >= n) break;
    const marker = byteAt(b, pos);
    pos++; // now at the first byte after the marker code
    if (marker === 0x00) continue; // FF 00 is a stuffed byte, not a marker
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // TEM, RSTn: no payload
    if (marker === 0xd8) return { error: "unexpected second start-of-image marker" };
    if (marker === 0xd9) return { error: "end of image before any frame header" };
    if (marker === 0xda) return { error: "scan data before any frame header" };
    if (!has(b, pos, 2)) break;
    const length = u16be(b, pos);
    if (length < 2) return { error: `segment FF${hex(marker)} has invalid length ${length}` };
    if (isSof(marker)) {
      // length(2) precision(1) height(2) width(2) components(1)
      if (length < 8) return { error: `frame header FF${hex(marker)} is too short (${length})` };
      if (!has(b, pos, 7)) break;
      return { height: u16be(b, pos + 3), width: u16be(b, pos + 5) };
    }
    pos += length;
  }
  return { error: "truncated before the frame header" };
}

function hex(x: number): string {
  return x.toString(16).toUpperCase().padStart(2, "0");
}

// ---------------------------------------------------------------------------------------------
// Unsupported: say what it looks like, so the 415 detail is useful.

function describeUnsupported(b: Uint8Array): string {
  if (b.length === 0) return `empty file; ${ACCEPTED}`;

  // Textual formats: look at the head as Latin-1, dropping NULs (UTF-16) and BOMs, trimming whitespace.
  const head = ascii(b, 0, 4096)
    .replace(/\0/g, "")
    .replace(/^(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)/, "")
    .trimStart()
    .toLowerCase();
  if (/<svg[\s>/]/.test(head) || head.startsWith("<svg") || head.includes("<!doctype svg")) {
    return `SVG is not accepted; ${ACCEPTED}`;
  }
  if (head.startsWith("<?xml")) return `XML is not accepted; ${ACCEPTED}`;
  if (head.startsWith("<!doctype html") || head.startsWith("<html") || /^<(?:head|body|script|div|p)[\s>]/.test(head)) {
    return `HTML is not accepted; ${ACCEPTED}`;
  }
  if (startsWithAscii(b, 0, "%PDF-")) return `PDF is not accepted; ${ACCEPTED}`;
  if (startsWithAscii(b, 0, "BM")) return `BMP is not accepted; ${ACCEPTED}`;
  if (startsWith(b, 0, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, 0, [0x4d, 0x4d, 0x00, 0x2a])) {
    return `TIFF is not accepted; ${ACCEPTED}`;
  }
  if (startsWithAscii(b, 4, "ftyp")) {
    const brand = ascii(b, 8, 4);
    if (brand === "avif" || brand === "avis") return `AVIF is not accepted; ${ACCEPTED}`;
    if (/^(?:heic|heix|hevc|hevx|heim|heis|mif1|msf1)$/.test(brand)) return `HEIC/HEIF is not accepted; ${ACCEPTED}`;
    return `ISO media (${printable(brand)}) is not accepted; ${ACCEPTED}`;
  }
  if (startsWith(b, 0, [0x00, 0x00, 0x01, 0x00])) return `ICO is not accepted; ${ACCEPTED}`;
  if (startsWithAscii(b, 0, "RIFF")) return `RIFF ${printable(ascii(b, 8, 4))} is not accepted; ${ACCEPTED}`;
  return `unrecognized file type; ${ACCEPTED}`;
}
