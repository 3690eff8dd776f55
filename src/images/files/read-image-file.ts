import { ApiError } from "../../lib/problem";
import { imageNotFound, requireImage } from "../library/require-image";
import type { ImageRecord } from "../store/image-rows";
import { parseRange } from "./byte-range";
import { matchesEtag } from "./etag";

export type ImageFile =
  | { kind: "not-modified"; image: ImageRecord }
  | { kind: "full"; image: ImageRecord; body: ReadableStream }
  | { kind: "range"; image: ImageRecord; body: ReadableStream; offset: number; length: number };

/**
 * The bytes of the owner's image: nothing when `ifNoneMatch` already names them (the ETag is the SHA-256), one
 * range when `range` asks for a satisfiable single range, else the whole file.
 */
export async function readImageFile(
  deps: { db: D1Database; bucket: R2Bucket },
  input: { userId: string; id: string; ifNoneMatch?: string | undefined; range?: string | undefined },
): Promise<ImageFile> {
  const image = await requireImage(deps.db, input.userId, input.id);
  if (matchesEtag(input.ifNoneMatch, etagOf(image))) return { kind: "not-modified", image };

  const range = parseRange(input.range, image.bytes);
  if (range.kind === "unsatisfiable") {
    throw new ApiError("range_not_satisfiable", `The file has ${image.bytes} bytes.`, {
      headers: { "Content-Range": `bytes */${image.bytes}` },
    });
  }
  const object = await deps.bucket.get(
    image.r2_key,
    range.kind === "range" ? { range: { offset: range.offset, length: range.length } } : {},
  );
  if (!object) {
    console.error("image row without its object", { imageId: image.id, key: image.r2_key });
    throw imageNotFound();
  }
  return range.kind === "range"
    ? { kind: "range", image, body: object.body, offset: range.offset, length: range.length }
    : { kind: "full", image, body: object.body };
}

/** A strong validator: the bytes never change under an image id. */
export function etagOf(image: Pick<ImageRecord, "sha256">): string {
  return `"${image.sha256}"`;
}
