// Reads what a HEIF/HEIC file declares about its images straight from the ISO-BMFF box structure, without
// decoding anything: the image sizes (`ispe`) to refuse oversized files BEFORE libheif allocates their pixels,
// and the primary image's transformations (`irot`, `imir`) to report the size it is shown at.
// Layout (ISO/IEC 23008-12 HEIF, ISO/IEC 14496-12 boxes):
//   ftyp, meta(full box) { hdlr, pitm, iloc, iinf, iprp { ipco { hvcC, ispe, irot, imir, colr, … }, ipma } }

/** Brands that mark a HEIF file whose images are HEVC coded (or image collections that sharp cannot read). */
const HEIF_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1"]);
/** Brands that mark AVIF, which sharp (libvips + libheif with the AV1 decoder) reads itself. */
const AVIF_BRANDS = new Set(["avif", "avis"]);

/** Nesting deeper than this is not a real file; stop rather than recurse without end. */
const MAX_DEPTH = 8;

/**
 * The brand family of an ISO-BMFF file from its `ftyp` box: "avif", "heic" or null (not HEIF at all).
 * AVIF wins when both appear (an AVIF file lists mif1 too).
 * @param {Uint8Array} bytes
 * @returns {"avif" | "heic" | null}
 */
export function heifBrand(bytes) {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== "ftyp") return null;
  const view = dataView(bytes);
  const size = Math.min(view.getUint32(0), bytes.length);
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= size; at += 4) brands.push(ascii(bytes, at, at + 4));
  if (brands.some((b) => AVIF_BRANDS.has(b))) return "avif";
  if (brands.some((b) => HEIF_BRANDS.has(b))) return "heic";
  return null;
}

/**
 * @typedef {object} HeifLayout
 * @property {number | null} primaryId        item id from `pitm`
 * @property {{ width: number, height: number } | null} primarySize  the primary item's `ispe` (as coded)
 * @property {number} rotation               `irot` of the primary item: degrees anti-clockwise, 0/90/180/270
 * @property {number | null} mirror          `imir` axis of the primary item, or null
 * @property {number} largestPixels          the largest width × height any `ispe` in the file declares
 */

/**
 * Parses the `meta` box. Throws (with a short reason) on a structure it cannot follow.
 * @param {Uint8Array} bytes
 * @returns {HeifLayout}
 */
export function readHeifLayout(bytes) {
  const view = dataView(bytes);
  const meta = findChild(view, 0, bytes.length, "meta");
  if (!meta) throw new Error("HEIF file without a meta box");
  // meta is a full box: 4 bytes of version and flags before its children.
  const metaStart = meta.body + 4;
  const pitm = findChild(view, metaStart, meta.end, "pitm");
  const iprp = findChild(view, metaStart, meta.end, "iprp");
  if (!iprp) throw new Error("HEIF file without an iprp box");
  const ipco = findChild(view, iprp.body, iprp.end, "ipco");
  if (!ipco) throw new Error("HEIF file without an ipco box");

  let primaryId = null;
  if (pitm) {
    const version = view.getUint8(pitm.body);
    primaryId = version === 0 ? view.getUint16(pitm.body + 4) : view.getUint32(pitm.body + 4);
  }

  /** Properties in ipco order; ipma refers to them by 1-based index. */
  const properties = children(view, ipco.body, ipco.end);
  let largestPixels = 0;
  for (const property of properties) {
    if (property.type !== "ispe") continue;
    const { width, height } = readIspe(view, property);
    largestPixels = Math.max(largestPixels, width * height);
  }

  let primarySize = null;
  let rotation = 0;
  let mirror = null;
  for (const ipma of children(view, iprp.body, iprp.end).filter((box) => box.type === "ipma")) {
    for (const { itemId, indices } of readIpma(view, ipma)) {
      if (itemId !== primaryId) continue;
      for (const index of indices) {
        const property = properties[index - 1];
        if (!property) continue;
        if (property.type === "ispe") primarySize = readIspe(view, property);
        else if (property.type === "irot") rotation = (view.getUint8(property.body) & 0b11) * 90;
        else if (property.type === "imir") mirror = view.getUint8(property.body) & 0b1;
      }
    }
  }
  return { primaryId, primarySize, rotation, mirror, largestPixels };
}

/** @param {DataView} view @param {Box} box */
function readIspe(view, box) {
  if (box.end - box.body < 12) throw new Error("truncated ispe box");
  // Full box (version, flags), then image_width and image_height as uint32.
  return { width: view.getUint32(box.body + 4), height: view.getUint32(box.body + 8) };
}

/**
 * Item → property associations.
 * @param {DataView} view @param {Box} box
 * @returns {{ itemId: number, indices: number[] }[]}
 */
function readIpma(view, box) {
  const version = view.getUint8(box.body);
  const flags = view.getUint32(box.body) & 0xffffff;
  let at = box.body + 4;
  const need = (/** @type {number} */ n) => {
    if (at + n > box.end) throw new Error("truncated ipma box");
  };
  need(4);
  const entryCount = view.getUint32(at);
  at += 4;
  const entries = [];
  for (let i = 0; i < entryCount; i++) {
    need(version < 1 ? 3 : 5);
    const itemId = version < 1 ? view.getUint16(at) : view.getUint32(at);
    at += version < 1 ? 2 : 4;
    const count = view.getUint8(at);
    at += 1;
    const indices = [];
    for (let j = 0; j < count; j++) {
      // The top bit is "essential"; the rest is the 1-based property index (15 bits when flags & 1, else 7).
      if (flags & 1) {
        need(2);
        indices.push(view.getUint16(at) & 0x7fff);
        at += 2;
      } else {
        need(1);
        indices.push(view.getUint8(at) & 0x7f);
        at += 1;
      }
    }
    entries.push({ itemId, indices });
  }
  return entries;
}

/**
 * @typedef {object} Box
 * @property {string} type
 * @property {number} body   offset of the first byte after the header
 * @property {number} end    offset one past the last byte
 */

/** @param {DataView} view @param {number} start @param {number} end @returns {Box[]} */
function children(view, start, end, depth = 0) {
  if (depth > MAX_DEPTH) throw new Error("HEIF boxes nested too deep");
  const boxes = [];
  let at = start;
  while (at + 8 <= end) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(
      view.getUint8(at + 4),
      view.getUint8(at + 5),
      view.getUint8(at + 6),
      view.getUint8(at + 7),
    );
    let header = 8;
    if (size === 1) {
      // 64-bit size follows the type.
      if (at + 16 > end) throw new Error("truncated box header");
      const big = view.getBigUint64(at + 8);
      if (big > BigInt(end - at)) throw new Error(`box ${type} runs past its parent`);
      size = Number(big);
      header = 16;
    } else if (size === 0) {
      size = end - at; // extends to the end of the parent
    }
    if (size < header || at + size > end) throw new Error(`box ${type} runs past its parent`);
    boxes.push({ type, body: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

/** @param {DataView} view @param {number} start @param {number} end @param {string} type */
function findChild(view, start, end, type) {
  return children(view, start, end).find((box) => box.type === type) ?? null;
}

/** @param {Uint8Array} bytes */
function dataView(bytes) {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** @param {Uint8Array} bytes @param {number} from @param {number} to */
function ascii(bytes, from, to) {
  return String.fromCharCode(...bytes.subarray(from, to));
}
