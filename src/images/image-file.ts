import { ApiError } from "../lib/problem";
import type { ImageRow } from "./store/image-rows";

// The original file of an image over HTTP semantics: a strong ETag (the SHA-256), If-None-Match, single ranges.

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

/** Whether an If-None-Match header names this (strong) ETag, weakly compared as RFC 9110 asks for GET. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((candidate) => {
    const value = candidate.trim();
    return value === "*" || value === etag || value === `W/${etag}`;
  });
}

export type ImageFile =
  | { kind: "not-modified"; image: ImageRow }
  | { kind: "full"; image: ImageRow; body: ReadableStream }
  | { kind: "range"; image: ImageRow; body: ReadableStream; offset: number; length: number };

/**
 * The bytes of the owner's image: nothing when `ifNoneMatch` already names them (the ETag is the SHA-256), one
 * range when `range` asks for a satisfiable single range, else the whole file.
 */
export async function readImageFile(
  bucket: R2Bucket,
  image: ImageRow,
  input: { ifNoneMatch?: string | undefined; range?: string | undefined },
): Promise<ImageFile> {
  if (matchesEtag(input.ifNoneMatch, etagOf(image))) return { kind: "not-modified", image };

  const range = parseRange(input.range, image.bytes);
  if (range.kind === "unsatisfiable") {
    throw new ApiError("range_not_satisfiable", `The file has ${image.bytes} bytes.`, {
      headers: { "Content-Range": `bytes */${image.bytes}` },
    });
  }
  const object = await bucket.get(
    image.r2_key,
    range.kind === "range" ? { range: { offset: range.offset, length: range.length } } : {},
  );
  if (!object) {
    console.error("image row without its object", { imageId: image.id, key: image.r2_key });
    throw new ApiError("not_found", "No image with this id.");
  }
  return range.kind === "range"
    ? { kind: "range", image, body: object.body, offset: range.offset, length: range.length }
    : { kind: "full", image, body: object.body };
}

/** A strong validator: the bytes never change under an image id. */
export function etagOf(image: Pick<ImageRow, "sha256">): string {
  return `"${image.sha256}"`;
}
