/**
 * Where a file keeps its location, and the bytes that take it out: the original of a photo with a location is served
 * through a signed link (or the legacy layer's `data`) with these patches applied, so a shared link never says where
 * the photo was taken (its owner, with a bearer token, still gets the exact original).
 *
 * Pure (a FileView in, patches out, no I/O), bounded and never throws. What it takes out is what readPhotoMetadata
 * reads a location from: the GPS IFD that IFD0's GPSInfo entry (tag 0x8825) points to, in the EXIF block that
 * photo-metadata.ts finds (the same walk, so the two cannot disagree about where it is). The patches, each the same
 * length as the bytes it replaces, so the file keeps its size and every offset in it:
 * - IFD0 loses its GPSInfo entry: the entries after it move up by 12 bytes, the count drops by one, the next-IFD
 *   offset follows the last entry, and the 12 bytes freed at the end are zeros (unreferenced space, which TIFF
 *   allows). Tags stay in ascending order, and no entry points anywhere new, so IFD0 stays valid for every reader.
 * - The GPS IFD (count, entries, next-IFD offset) and every value its entries point to become zeros: nothing refers
 *   to them any more, and the coordinates are gone from the bytes, not only unreachable.
 * - PNG: the `eXIf` chunk's CRC (over its type and data) is recomputed over the patched data, so decoders that check
 *   it still accept the chunk. JPEG segments, WebP (RIFF) chunks and HEIF/AVIF items carry no checksum.
 * The rest of the EXIF block (date, camera, exposure, orientation, the thumbnail IFD) is left as it is.
 *
 * The walk may need bytes that the view does not hold (a WebP's EXIF chunk comes after the image data, sharp writes
 * an AVIF's EXIF item after it): the answer is then which bytes to read, and the caller calls again with them.
 */
import { type FileView, searchExifBlock, TIFF_TYPE_SIZES } from "./photo-metadata";

/** Bytes to write over the file's, from `offset` on (never past the file's end). */
export interface BytePatch {
  offset: number;
  bytes: Uint8Array;
}

export type LocationScan =
  /** The patches that take the location out; none when the file has no GPSInfo entry where the walk looks. */
  | { kind: "patches"; patches: BytePatch[] }
  /** The walk needs these bytes of the file, which `view` does not hold: call again with them. */
  | { kind: "need"; offset: number; length: number }
  /** The file has a GPSInfo entry that cannot be taken out soundly (a malformed IFD0). */
  | { kind: "unredactable" };

const GPS_INFO_TAG = 0x8825;
/** Patched runs closer than this are one patch (fewer, larger patches; the bytes between are rewritten as they are). */
const MERGE_GAP = 16;

/** The patches that take the file's location out, as far as `view` shows the file. */
export function locationPatches(view: FileView): LocationScan {
  try {
    const search = searchExifBlock(view);
    if (search.kind === "need") return search;
    if (search.kind === "none") return { kind: "patches", patches: [] };
    const { tiff, offset, pngChunk } = search.block;
    const redacted = withoutGps(tiff);
    if (redacted === "none") return { kind: "patches", patches: [] };
    if (redacted === "unredactable") return { kind: "unredactable" };
    const patches = differences(tiff, redacted, offset);
    if (pngChunk) {
      // The CRC covers the chunk's type and all of its data, which holds the TIFF structure (after "Exif\0\0" when
      // the writer put that in front).
      const { typeOffset, dataLength } = pngChunk;
      const chunk = readView(view, typeOffset, 4 + dataLength + 4);
      if (!chunk) return { kind: "need", offset: typeOffset, length: 4 + dataLength + 4 };
      const patched = chunk.slice(0, 4 + dataLength);
      patched.set(redacted, offset - typeOffset);
      const crc = crc32(patched);
      patches.push({
        offset: typeOffset + 4 + dataLength,
        bytes: new Uint8Array([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff]),
      });
    }
    return { kind: "patches", patches };
  } catch {
    // Unreachable by construction (every read is bounds-checked); a location that cannot be found is not shared.
    return { kind: "unredactable" };
  }
}

/** `bytes` (a range of a file from `start`) with the patches that overlap it applied: a copy when any does. */
export function applyPatches(bytes: Uint8Array, start: number, patches: readonly BytePatch[]): Uint8Array {
  let out = bytes;
  const end = start + bytes.length;
  for (const patch of patches) {
    const from = Math.max(patch.offset, start);
    const to = Math.min(patch.offset + patch.bytes.length, end);
    if (from >= to) continue;
    if (out === bytes) out = bytes.slice();
    out.set(patch.bytes.subarray(from - patch.offset, to - patch.offset), from - start);
  }
  return out;
}

/** The bytes [offset, offset + length) if one piece of the view holds them. */
function readView(view: FileView, offset: number, length: number): Uint8Array | null {
  if (offset < 0 || offset + length > view.size) return null;
  for (const piece of view.pieces) {
    const at = offset - piece.offset;
    if (at >= 0 && at + length <= piece.bytes.length) return piece.bytes.subarray(at, at + length);
  }
  return null;
}

/**
 * The TIFF structure `t` without its GPS information (a copy), "none" when IFD0 has no GPSInfo entry, or
 * "unredactable" when it has one in an IFD0 that cannot be rewritten soundly.
 */
function withoutGps(t: Uint8Array): Uint8Array | "none" | "unredactable" {
  const order = t.length >= 8 ? String.fromCharCode(t[0]!, t[1]!) : "";
  if (order !== "II" && order !== "MM") return "none"; // not TIFF: no reader finds a location in it
  const le = order === "II";
  const u16 = (i: number) => (le ? t[i]! | (t[i + 1]! << 8) : (t[i]! << 8) | t[i + 1]!);
  const u32 = (i: number) =>
    (le
      ? t[i]! | (t[i + 1]! << 8) | (t[i + 2]! << 16) | (t[i + 3]! << 24)
      : (t[i]! << 24) | (t[i + 1]! << 16) | (t[i + 2]! << 8) | t[i + 3]!) >>> 0;
  const inside = (offset: number, length: number) => offset >= 0 && length >= 0 && offset + length <= t.length;
  if (u16(2) !== 42) return "none";

  const ifd0 = u32(4);
  if (ifd0 < 8 || !inside(ifd0, 2)) return "none";
  const count = u16(ifd0);
  const entriesEnd = ifd0 + 2 + count * 12;
  if (!inside(ifd0 + 2, count * 12)) {
    // readPhotoMetadata reads nothing from such a block; a GPSInfo entry among the entries that are there is still
    // a location to some lenient reader, and this IFD0 cannot be rewritten.
    for (let entry = ifd0 + 2; entry + 12 <= t.length; entry += 12) {
      if (u16(entry) === GPS_INFO_TAG) return "unredactable";
    }
    return "none";
  }
  const entries = Array.from({ length: count }, (_, i) => ifd0 + 2 + i * 12);
  const gpsEntries = entries.filter((entry) => u16(entry) === GPS_INFO_TAG);
  if (gpsEntries.length === 0) return "none";

  // The GPS IFDs (one, in any sane file) and the values of their entries, as [start, end) ranges inside the block.
  const zeros: [number, number][] = [];
  const clip = (start: number, length: number) => {
    if (start < t.length && length > 0) zeros.push([start, Math.min(t.length, start + length)]);
  };
  for (const pointer of gpsEntries) {
    const type = u16(pointer + 2);
    if (!((type === 4 || type === 13) && u32(pointer + 4) === 1)) continue; // not a pointer: nothing to follow
    const gps = u32(pointer + 8);
    if (gps < 8 || !inside(gps, 2)) continue;
    const gpsCount = u16(gps);
    clip(gps, 2 + gpsCount * 12 + 4);
    for (let i = 0; i < gpsCount && inside(gps + 2 + i * 12, 12); i++) {
      const entry = gps + 2 + i * 12;
      const size = (TIFF_TYPE_SIZES[u16(entry + 2)] ?? 0) * u32(entry + 4);
      if (size > 4) clip(u32(entry + 8), size);
    }
  }

  const out = t.slice();
  zeros.sort((a, b) => a[0] - b[0]);
  let reach = 0;
  for (const [start, end] of zeros) {
    // Sorted by start, so each byte is written at most once: bounded by the block's size, whatever the counts say.
    const from = Math.max(start, reach);
    if (from < end) out.fill(0, from, end);
    reach = Math.max(reach, end);
  }

  // IFD0 again, from the original bytes, without its GPSInfo entries; written last, so it wins over any zeros.
  const kept = entries.filter((entry) => u16(entry) !== GPS_INFO_TAG);
  const ifdEnd = Math.min(t.length, entriesEnd + 4);
  out.fill(0, ifd0, ifdEnd);
  out[ifd0] = le ? kept.length & 0xff : kept.length >> 8;
  out[ifd0 + 1] = le ? kept.length >> 8 : kept.length & 0xff;
  kept.forEach((entry, i) => {
    out.set(t.subarray(entry, entry + 12), ifd0 + 2 + i * 12);
  });
  out.set(t.subarray(entriesEnd, ifdEnd), ifd0 + 2 + kept.length * 12); // the next-IFD offset, as it was

  return out;
}

/** The runs where `after` differs from `before`, as patches at `offset` + their position. */
function differences(before: Uint8Array, after: Uint8Array, offset: number): BytePatch[] {
  const patches: BytePatch[] = [];
  let i = 0;
  while (i < before.length) {
    if (before[i] === after[i]) {
      i++;
      continue;
    }
    const start = i;
    let end = i + 1;
    let j = end;
    while (j < before.length && j - end < MERGE_GAP) {
      if (before[j] !== after[j]) end = j + 1;
      j++;
    }
    patches.push({ offset: offset + start, bytes: after.slice(start, end) });
    i = end;
  }
  return patches;
}

let CRC_TABLE: Uint32Array | null = null;

/** CRC-32 (ISO 3309, as PNG uses it). */
function crc32(bytes: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
