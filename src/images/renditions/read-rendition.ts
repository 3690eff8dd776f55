import type { Config } from "../../lib/config";
import { ApiError } from "../../lib/problem";
import { matchesEtag } from "../files/etag";
import { imageNotFound, requireImage } from "../library/require-image";
import { derivedKey } from "../store/image-objects";
import type { ImageRecord } from "../store/image-rows";
import { type RenditionParams, type RenditionSpec, resolveRendition } from "./rendition-spec";

export type Rendition =
  | { kind: "not-modified"; image: ImageRecord; spec: RenditionSpec; etag: string }
  | {
      kind: "full";
      image: ImageRecord;
      spec: RenditionSpec;
      etag: string;
      body: ReadableStream;
      bytes: number;
      /** false: served from R2, no transform ran. */
      transformed: boolean;
    };

/**
 * A resized or converted copy of the owner's image: made once with the Images binding and stored in R2 under the
 * image (so deleting the image and the orphan sweep cover it), then served from R2.
 */
export async function readRendition(
  deps: { db: D1Database; bucket: R2Bucket; images: ImagesBinding; config: Config },
  input: {
    userId: string;
    id: string;
    params: RenditionParams;
    accept?: string | undefined;
    ifNoneMatch?: string | undefined;
  },
): Promise<Rendition> {
  const image = await requireImage(deps.db, input.userId, input.id);
  const spec = resolveRendition(
    { width: image.width, height: image.height, contentType: image.content_type },
    input.params,
    input.accept,
  );
  if (spec.width * spec.height > deps.config.MAX_RENDITION_PIXELS) {
    throw new ApiError(
      "unprocessable",
      `A ${spec.width}×${spec.height} rendition exceeds the limit of ${deps.config.MAX_RENDITION_PIXELS} pixels.`,
    );
  }
  // Strong: one source and one spec always make the same bytes.
  const etag = `"${image.sha256}-${spec.name.replace("r/", "")}"`;
  if (matchesEtag(input.ifNoneMatch, etag)) return { kind: "not-modified", image, spec, etag };
  const key = derivedKey(image.user_id, image.sha256, spec.name);
  const stored = await deps.bucket.get(key);
  if (stored) return { kind: "full", image, spec, etag, body: stored.body, bytes: stored.size, transformed: false };

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
  return { kind: "full", image, spec, etag, body: new Blob([bytes]).stream(), bytes: bytes.length, transformed: true };
}
