// Reading numbers and text out of a file's bytes, for the parsers of image headers (sniff.ts), photo metadata
// (photo-metadata.ts) and PNG chunks (perceptual-hash.ts). Callers check bounds with has() first; a byte out of range
// reads as 0, so a short or hostile file never throws.

/** Whether [offset, offset + length) lies inside [0, size): whole, non-negative numbers only. */
export function within(size: number, offset: number, length: number): boolean {
  return (
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(length) &&
    offset >= 0 &&
    length >= 0 &&
    offset + length <= size
  );
}

/** Whether [offset, offset + length) lies inside `b`. */
export function has(b: Uint8Array, offset: number, length: number): boolean {
  return within(b.length, offset, length);
}

export function u16be(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
}

export function u16le(b: Uint8Array, i: number): number {
  return (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
}

export function u24le(b: Uint8Array, i: number): number {
  return (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16);
}

export function u32be(b: Uint8Array, i: number): number {
  // >>> 0 keeps the result unsigned (a PNG dimension may use all 31 bits).
  return (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
}

export function u32le(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24)) >>> 0;
}

/** Whether `b` holds the bytes `sig` at `offset`. */
export function startsWith(b: Uint8Array, offset: number, sig: readonly number[]): boolean {
  if (!has(b, offset, sig.length)) return false;
  for (let i = 0; i < sig.length; i++) if (b[offset + i] !== sig[i]) return false;
  return true;
}

/** Whether `b` holds the ASCII text `s` at `offset`. */
export function startsWithAscii(b: Uint8Array, offset: number, s: string): boolean {
  if (!has(b, offset, s.length)) return false;
  for (let i = 0; i < s.length; i++) if (b[offset + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** The bytes [offset, offset + length) as Latin-1 text, cut at the end of `b`. */
export function ascii(b: Uint8Array, offset: number, length: number): string {
  let s = "";
  for (let i = offset; i < offset + length && i < b.length; i++) s += String.fromCharCode(b[i] ?? 0);
  return s;
}
