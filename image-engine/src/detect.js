// Which format a file is, from its first bytes (never from a caller's claim: a browser, an upload form or a
// Content-Type header can all be wrong). HEIF files are told apart by their `ftyp` brands: AVIF goes to sharp,
// HEIC/HEIF (HEVC) to libheif-js, because sharp's prebuilt libvips carries no HEVC decoder.
import { heifBrand } from "./heif-boxes.js";

/** @typedef {"jpeg" | "png" | "gif" | "webp" | "avif" | "heic" | "svg"} Kind */

/** @type {Record<Kind, string>} */
export const MIME = {
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  heic: "image/heic",
  svg: "image/svg+xml",
};

/**
 * @param {Uint8Array} bytes
 * @returns {Kind | null}  null: not an image this engine (or Cloudflare) reads
 */
export function detectKind(bytes) {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a") return "gif";
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return "webp";
  const brand = heifBrand(bytes);
  if (brand) return brand;
  if (looksLikeSvg(bytes)) return "svg";
  return null;
}

/** SVG is text: an XML prolog, comments or whitespace may come first; an `<svg` element must appear early. */
function looksLikeSvg(/** @type {Uint8Array} */ bytes) {
  const head = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, 4096)).replace(/^\uFEFF/, "");
  return /^\s*</.test(head) && /<svg[\s>]/i.test(head);
}

/** @param {Uint8Array} bytes @param {number[]} prefix */
function startsWith(bytes, prefix) {
  return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte);
}

/** @param {Uint8Array} bytes @param {number} from @param {number} to */
function ascii(bytes, from, to) {
  if (bytes.length < to) return "";
  return String.fromCharCode(...bytes.subarray(from, to));
}
