// The box structure of ISO base media files (ISO/IEC 14496-12), which HEIF, HEIC and AVIF files are: a box is a
// 32-bit size (1: a 64-bit size follows the type; 0: to the end of the enclosing box), four letters of type, then its
// payload. Walked by the header sniffer (sniff.ts: the primary image's size and rotation) over whole bytes, and by the
// EXIF reader (photo-metadata.ts: where the Exif item lies) over a file read in pieces. Only box headers are read.
import { ascii, has, u32be } from "../lib/bytes";

/** What the walk reads: bounds first, then a 32-bit big-endian number or four letters. */
export interface BoxBytes {
  has(offset: number, length: number): boolean;
  u32be(offset: number): number;
  ascii(offset: number, length: number): string;
}

export interface Box {
  type: string;
  /** Where its payload starts and ends (after the size and type). */
  start: number;
  end: number;
}

/**
 * The boxes between `from` and `to`, at most `max` of them, up to and including the first of type `until`; a
 * malformed size (shorter than its header, or past `to`) ends the list.
 */
export function isoBoxes(bytes: BoxBytes, from: number, to: number, max: number, until?: string): Box[] {
  const found: Box[] = [];
  let pos = from;
  while (found.length < max && pos + 8 <= to && bytes.has(pos, 8)) {
    let size = bytes.u32be(pos);
    let header = 8;
    if (size === 1) {
      if (!bytes.has(pos + 8, 8)) break;
      size = bytes.u32be(pos + 8) * 2 ** 32 + bytes.u32be(pos + 12);
      header = 16;
    } else if (size === 0) {
      size = to - pos;
    }
    if (size < header || pos + size > to) break;
    const type = bytes.ascii(pos + 4, 4);
    found.push({ type, start: pos + header, end: pos + size });
    if (type === until) break;
    pos += size;
  }
  return found;
}

/** Bytes in memory, for `isoBoxes`. */
export function wholeBytes(b: Uint8Array): BoxBytes {
  return {
    has: (offset, length) => has(b, offset, length),
    u32be: (offset) => u32be(b, offset),
    ascii: (offset, length) => ascii(b, offset, length),
  };
}
