import { ApiError } from "../../lib/problem";
import { imageNotFound } from "../library/require-image";
import { derivedKey } from "../store/image-objects";
import type { ImageRecord } from "../store/image-rows";
import type { RenditionSpec } from "./rendition-spec";

interface RenditionDeps {
  bucket: R2Bucket;
  images: ImagesBinding;
}

export interface ServedRendition {
  body: ReadableStream;
  bytes: number;
  /** false: it was already in R2 and no transform ran. */
  transformed: boolean;
}

/**
 * The rendition of `image` that `spec` describes, from R2 when it was made before, else made now with the Images
 * binding and stored under the image (so deleting the image and the orphan sweep cover it).
 */
export async function ensureRendition(
  deps: RenditionDeps,
  image: ImageRecord,
  spec: RenditionSpec,
): Promise<ServedRendition> {
  const key = derivedKey(image.user_id, image.sha256, spec.name);
  const stored = await deps.bucket.get(key);
  if (stored) return { body: stored.body, bytes: stored.size, transformed: false };
  const made = await makeRendition(deps, image, spec, key);
  return { body: new Response(made).body!, bytes: made.byteLength, transformed: true };
}

/** Like `ensureRendition`, for a caller that needs the rendition stored but not its bytes: the size it has. */
export async function ensureRenditionStored(deps: RenditionDeps, image: ImageRecord, spec: RenditionSpec) {
  const key = derivedKey(image.user_id, image.sha256, spec.name);
  const stored = await deps.bucket.head(key);
  return stored ? stored.size : (await makeRendition(deps, image, spec, key)).byteLength;
}

async function makeRendition(
  deps: RenditionDeps,
  image: ImageRecord,
  spec: RenditionSpec,
  key: string,
): Promise<Uint8Array> {
  const bytes = await transform(deps, image, spec);
  await deps.bucket.put(key, bytes, { httpMetadata: { contentType: spec.output.format } });
  return bytes;
}

/** A failure of the service itself is tried once more (a dropped connection is the usual one), on a fresh read. */
const TRANSFORM_ATTEMPTS = 2;

async function transform(deps: RenditionDeps, image: ImageRecord, spec: RenditionSpec): Promise<Uint8Array> {
  for (let attempt = 1; ; attempt++) {
    const source = await deps.bucket.get(image.r2_key);
    if (!source) throw imageNotFound();
    try {
      const result = await deps.images.input(source.body).transform(spec.transform).output(spec.output);
      const bytes = new Uint8Array(await result.response().arrayBuffer());
      // Locally the binding answers an undecodable image with no bytes at all rather than an error.
      if (bytes.byteLength === 0) throw Object.assign(new Error("no output"), { code: IMAGES_NOT_AN_IMAGE });
      return bytes;
    } catch (error) {
      const failure = renditionFailure(error);
      if (failure.status < 500 || attempt === TRANSFORM_ATTEMPTS) {
        console.error("rendition failed", { imageId: image.id, spec: spec.name, attempt, error: String(error) });
        throw failure;
      }
    }
  }
}

/** Cloudflare's ImagesError code for an input that is not an image. */
const IMAGES_NOT_AN_IMAGE = 9412;

/**
 * What a failed transform means for the client. ImagesError codes 9400–9499 describe the input or the options (not
 * an image, too large, …): converting it again cannot help, 422. Anything else (a dropped connection, a 95xx) is
 * the service's failure: 503 with Retry-After, and a processing session retries the item.
 */
export function renditionFailure(error: unknown): ApiError {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "number" && code >= 9400 && code < 9500) {
    return new ApiError("unprocessable", "This image cannot be converted to the requested rendition.");
  }
  return new ApiError("unavailable", "The image service could not convert this image just now; retry shortly.", {
    headers: { "Retry-After": "5" },
  });
}
