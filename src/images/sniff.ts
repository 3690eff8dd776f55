/**
 * Identify an uploaded image by its bytes alone and read its dimensions, as shown, from the headers.
 *
 * Pure and runtime-agnostic: Uint8Array in, a tagged result out. No pixel data is decoded and no
 * input makes it throw; every read is bounds-checked and every loop advances, so a hostile file can
 * neither read out of bounds nor spin. Dimensions are reported as the header claims them (they may
 * be huge); the caller enforces its own pixel cap.
 *
 * Dimensions are the photo as shown: a JPEG, PNG or WebP whose EXIF orientation (5–8) turns it a quarter turn
 * reports its width and height swapped, as does a HEIF/AVIF whose `irot` turns it by 90° or 270°. That is what
 * Cloudflare Images (and every browser) shows, and what renditions are sized on.
 *
 * - unsupported_type: the bytes are none of JPEG, PNG, WebP, GIF, HEIC/HEIF, AVIF (SVG, PDF, HTML, text, empty, …).
 * - corrupt: the magic bytes match a supported format but the header is truncated, malformed, or
 *   claims a zero dimension.
 */

import { ascii, has, startsWith, startsWithAscii, u16be, u16le, u24le, u32be, u32le } from "../lib/bytes";
import { isoBoxes, wholeBytes } from "./iso-boxes";

export type ImageFormat = "jpeg" | "png" | "webp" | "gif" | "heic" | "heif" | "avif";

export interface SniffedImage {
  format: ImageFormat;
  contentType: (typeof FORMATS)[ImageFormat]["contentType"];
  extension: (typeof FORMATS)[ImageFormat]["extension"];
  /** As shown: after EXIF orientation or HEIF rotation. */
  width: number;
  height: number;
  /** EXIF orientation 1–8 (1 when absent or not applicable). */
  orientation: number;
}

export type SniffResult =
  | { ok: true; image: SniffedImage }
  | { ok: false; reason: "unsupported_type"; detail: string }
  | { ok: false; reason: "corrupt"; detail: string };

const ACCEPTED = "accepted types: JPEG, PNG, WebP, GIF, HEIC/HEIF, AVIF";

export const FORMATS = {
  jpeg: { format: "jpeg", contentType: "image/jpeg", extension: "jpg", name: "JPEG" },
  png: { format: "png", contentType: "image/png", extension: "png", name: "PNG" },
  webp: { format: "webp", contentType: "image/webp", extension: "webp", name: "WebP" },
  gif: { format: "gif", contentType: "image/gif", extension: "gif", name: "GIF" },
  heic: { format: "heic", contentType: "image/heic", extension: "heic", name: "HEIC" },
  heif: { format: "heif", contentType: "image/heif", extension: "heif", name: "HEIF" },
  avif: { format: "avif", contentType: "image/avif", extension: "avif", name: "AVIF" },
} as const;

/** Brands of the `ftyp` box that mean an HEIF still image coded with HEVC (what phones write), or AVIF. */
const HEIC_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs"]);
const HEIF_BRANDS = new Set(["mif1", "msf1"]);
const AVIF_BRANDS = new Set(["avif", "avis"]);

/** Stored dimensions, and what turns them for display: an EXIF orientation, or a HEIF rotation in quarter turns. */
type Dims = { width: number; height: number; orientation?: number; quarterTurns?: number } | { error: string };

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
  } else if (startsWithAscii(b, 4, "ftyp") && isoFormat(b)) {
    format = isoFormat(b)!;
    dims = heifDims(b);
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
  const orientation = dims.orientation ?? 1;
  // EXIF 5–8 transpose the image; a HEIF rotation by an odd number of quarter turns does too.
  const swapped = orientation >= 5 || (dims.quarterTurns ?? 0) % 2 === 1;
  return {
    ok: true,
    image: {
      format: info.format,
      contentType: info.contentType,
      extension: info.extension,
      width: swapped ? dims.height : dims.width,
      height: swapped ? dims.width : dims.height,
      orientation,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// byte helpers (all return -1 / false when out of bounds instead of reading undefined)

function byteAt(b: Uint8Array, i: number): number {
  return i >= 0 && i < b.length ? (b[i] ?? -1) : -1;
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
  return { width, height, orientation: pngOrientation(b) };
}

/** The orientation in an `eXIf` chunk (PNG 1.5), looked for among the chunks that follow IHDR. */
function pngOrientation(b: Uint8Array): number {
  let pos = 8 + 8 + 13 + 4; // signature, IHDR (length, type, payload, CRC)
  for (let chunks = 0; chunks < 1000 && has(b, pos, 8); chunks++) {
    const length = u32be(b, pos);
    const type = ascii(b, pos + 4, 4);
    if (type === "eXIf") return exifOrientation(b, pos + 8, length);
    if (type === "IEND" || length > b.length) break;
    pos += 12 + length;
  }
  return 1;
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
      // 1 byte flags, 3 reserved, then 24-bit canvas width-1 and height-1; flag 0x08: an EXIF chunk follows.
      if (!has(b, p, 10)) return { error: "truncated VP8X header" };
      const orientation = ((b[p] ?? 0) & 0x08) !== 0 ? webpOrientation(b) : 1;
      return { width: u24le(b, p + 4) + 1, height: u24le(b, p + 7) + 1, orientation };
    }
    default:
      return { error: `unknown first chunk ${printable(fourcc)} (expected "VP8 ", "VP8L" or "VP8X")` };
  }
}

/** The orientation in a WebP's `EXIF` chunk (a TIFF header, sometimes behind an `Exif\0\0` prefix). */
function webpOrientation(b: Uint8Array): number {
  let pos = 12;
  for (let chunks = 0; chunks < 1000 && has(b, pos, 8); chunks++) {
    const length = u32le(b, pos + 4);
    if (ascii(b, pos, 4) === "EXIF") {
      const start = startsWithAscii(b, pos + 8, "Exif\0\0") ? pos + 14 : pos + 8;
      return exifOrientation(b, start, length - (start - pos - 8));
    }
    if (length > b.length) break;
    pos += 8 + length + (length % 2); // chunks are padded to an even size
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------
// EXIF: a TIFF structure (byte order, 42, offset of IFD0); Orientation is tag 0x0112, a SHORT in IFD0.

function exifOrientation(b: Uint8Array, start: number, length: number): number {
  const end = Math.min(b.length, start + Math.max(0, length));
  const view = b.subarray(0, end);
  const order = ascii(view, start, 2);
  if (order !== "II" && order !== "MM") return 1;
  const le = order === "II";
  const u16 = (i: number) => (has(view, i, 2) ? (le ? u16le(view, i) : u16be(view, i)) : -1);
  const u32 = (i: number) => (has(view, i, 4) ? (le ? u32le(view, i) : u32be(view, i)) : -1);
  if (u16(start + 2) !== 42) return 1;
  const ifd = start + u32(start + 4);
  const entries = u16(ifd);
  if (entries < 0 || entries > 1000) return 1;
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    if (!has(view, entry, 12)) return 1;
    if (u16(entry) === 0x0112 && u16(entry + 2) === 3) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------
// HEIF and AVIF (ISO base media file format): `ftyp` names the brand; `meta` holds the items. The primary item
// (`pitm`) has its properties (`iprp` → `ipco`, associated by `ipma`): `ispe` its size, `irot` a rotation in
// quarter turns anticlockwise that the reader applies for display (`imir`, a mirror, keeps the size).

/** HEIC, HEIF or AVIF by the `ftyp` brands, or null for other ISO media (video, …). */
function isoFormat(b: Uint8Array): ImageFormat | null {
  const size = u32be(b, 0);
  if (size < 16 || !has(b, 0, Math.min(size, 4096))) return null;
  const brands = [ascii(b, 8, 4)];
  for (let i = 16; i + 4 <= Math.min(size, 4096); i += 4) brands.push(ascii(b, i, 4));
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) return "avif";
  if (brands.some((brand) => HEIC_BRANDS.has(brand))) return "heic";
  if (brands.some((brand) => HEIF_BRANDS.has(brand))) return "heif";
  return null;
}

function heifDims(b: Uint8Array): Dims {
  const bytes = wholeBytes(b);
  const boxes = (from: number, to: number, max = 256) => isoBoxes(bytes, from, to, max);
  const meta = boxes(0, b.length, 64).find((box) => box.type === "meta");
  if (!meta) return { error: "no meta box" };
  const inMeta = boxes(meta.start + 4, meta.end); // a full box: version and flags first
  const pitm = inMeta.find((box) => box.type === "pitm");
  const iprp = inMeta.find((box) => box.type === "iprp");
  if (!pitm || !iprp) return { error: "no primary item or item properties" };
  const primary = b[pitm.start] === 0 ? u16be(b, pitm.start + 4) : u32be(b, pitm.start + 4);
  const inIprp = boxes(iprp.start, iprp.end);
  const ipco = inIprp.find((box) => box.type === "ipco");
  if (!ipco) return { error: "no item property container" };
  const properties = boxes(ipco.start, ipco.end, 1024);
  // ipma: which properties (1-based indexes into ipco) belong to which item.
  const associated = new Set<number>();
  for (const ipma of inIprp.filter((box) => box.type === "ipma")) {
    const version = byteAt(b, ipma.start);
    const wide = (byteAt(b, ipma.start + 3) & 1) === 1;
    let pos = ipma.start + 8;
    const entries = u32be(b, ipma.start + 4);
    for (let e = 0; e < entries && e < 100_000 && has(b, pos, version < 1 ? 3 : 5); e++) {
      const item = version < 1 ? u16be(b, pos) : u32be(b, pos);
      pos += version < 1 ? 2 : 4;
      const count = byteAt(b, pos);
      pos += 1;
      for (let a = 0; a < count && has(b, pos, wide ? 2 : 1); a++) {
        const index = wide ? u16be(b, pos) & 0x7fff : byteAt(b, pos) & 0x7f;
        pos += wide ? 2 : 1;
        if (item === primary) associated.add(index);
      }
    }
  }
  let size: { width: number; height: number } | null = null;
  let quarterTurns = 0;
  for (const index of associated) {
    const property = properties[index - 1];
    if (property?.type === "ispe" && has(b, property.start, 12)) {
      size = { width: u32be(b, property.start + 4), height: u32be(b, property.start + 8) };
    } else if (property?.type === "irot" && has(b, property.start, 1)) {
      quarterTurns = byteAt(b, property.start) & 3;
    }
  }
  if (!size) return { error: "the primary item has no size (ispe)" };
  return { ...size, quarterTurns };
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
  let orientation = 1; // from an APP1 Exif segment, which comes before the frame header
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
    if (marker === 0xe1 && orientation === 1 && startsWithAscii(b, pos + 2, "Exif\0\0")) {
      orientation = exifOrientation(b, pos + 8, length - 8);
    }
    if (isSof(marker)) {
      // length(2) precision(1) height(2) width(2) components(1)
      if (length < 8) return { error: `frame header FF${hex(marker)} is too short (${length})` };
      if (!has(b, pos, 7)) break;
      return { height: u16be(b, pos + 3), width: u16be(b, pos + 5), orientation };
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
    return `ISO media (${printable(brand)}) is not accepted; ${ACCEPTED}`;
  }
  if (startsWith(b, 0, [0x00, 0x00, 0x01, 0x00])) return `ICO is not accepted; ${ACCEPTED}`;
  if (startsWithAscii(b, 0, "RIFF")) return `RIFF ${printable(ascii(b, 8, 4))} is not accepted; ${ACCEPTED}`;
  return `unrecognized file type; ${ACCEPTED}`;
}
