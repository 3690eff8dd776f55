import { ApiError } from "../../lib/problem";
import { imageNotFound } from "../library/require-image";
import { derivedKey } from "../store/image-objects";
import type { ImageRecord } from "../store/image-rows";
import type { RenditionSpec } from "./rendition-spec";

export interface StoredRendition {
  key: string;
  object: R2ObjectBody;
  /** false: it was already in R2 and no transform ran. */
  transformed: boolean;
}

/**
 * The rendition of `image` that `spec` describes, from R2 when it was made before, else made now with the Images
 * binding and stored under the image (so deleting the image and the orphan sweep cover it).
 */
export async function ensureRendition(
  deps: { bucket: R2Bucket; images: ImagesBinding },
  image: ImageRecord,
  spec: RenditionSpec,
): Promise<StoredRendition> {
  const key = derivedKey(image.user_id, image.sha256, spec.name);
  const stored = await deps.bucket.get(key);
  if (stored) return { key, object: stored, transformed: false };

  const source = await deps.bucket.get(image.r2_key);
  if (!source) throw imageNotFound();
  let bytes: Uint8Array;
  try {
    const result = await deps.images.input(source.body).transform(spec.transform).output(spec.output);
    bytes = new Uint8Array(await result.response().arrayBuffer());
  } catch (error) {
    console.error("rendition failed", { imageId: image.id, spec: spec.name, error: String(error) });
    throw new ApiError("unprocessable", "This image cannot be converted to the requested rendition.");
  }
  await deps.bucket.put(key, bytes, { httpMetadata: { contentType: spec.output.format } });
  const written = await deps.bucket.get(key);
  if (!written) throw new Error(`rendition ${key} vanished right after it was written`);
  return { key, object: written, transformed: true };
}
