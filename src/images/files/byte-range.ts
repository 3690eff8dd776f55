export type RangeRequest =
  | { kind: "none" }
  | { kind: "range"; offset: number; length: number }
  | { kind: "unsatisfiable" };

/**
 * One `bytes=` range (RFC 9110 §14.1.2). Multiple ranges and malformed headers are answered with the whole file,
 * as the RFC allows; a well-formed range outside the file is unsatisfiable (416).
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return { kind: "none" };
  const [, first, last] = match;
  if (!first && !last) return { kind: "none" };
  if (!first) {
    const suffix = Number(last);
    if (suffix === 0) return { kind: "unsatisfiable" };
    const length = Math.min(suffix, size);
    return { kind: "range", offset: size - length, length };
  }
  const start = Number(first);
  if (last && Number(last) < start) return { kind: "none" }; // invalid, so ignored
  const end = last ? Math.min(Number(last), size - 1) : size - 1;
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "range", offset: start, length: end - start + 1 };
}
