import type { Config } from "../../lib/config";
import { ApiError } from "../../lib/problem";
import { matchesEtag } from "../files/etag";
import { requireImage } from "../library/require-image";
import type { ImageRecord } from "../store/image-rows";
import { ensureRendition, type ServedRendition } from "./ensure-rendition";
import { type RenditionParams, type RenditionSpec, resolveRendition } from "./rendition-spec";

export type Rendition =
  | { kind: "not-modified"; image: ImageRecord; spec: RenditionSpec; etag: string }
  | ({ kind: "full"; image: ImageRecord; spec: RenditionSpec; etag: string } & ServedRendition);

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
  const spec = planRendition(image, input.params, input.accept, deps.config);
  // Strong: one source and one spec always make the same bytes.
  const etag = `"${image.sha256}-${spec.name.replace("r/", "")}"`;
  if (matchesEtag(input.ifNoneMatch, etag)) return { kind: "not-modified", image, spec, etag };
  return { kind: "full", image, spec, etag, ...(await ensureRendition(deps, image, spec)) };
}

/** The rendition `params` ask of `image`, refused (422) when its output would exceed the pixel limit. */
export function planRendition(
  image: ImageRecord,
  params: RenditionParams,
  accept: string | undefined,
  config: Pick<Config, "MAX_RENDITION_PIXELS">,
): RenditionSpec {
  const spec = resolveRendition(
    { width: image.width, height: image.height, contentType: image.content_type },
    params,
    accept,
  );
  if (spec.width * spec.height > config.MAX_RENDITION_PIXELS) {
    throw new ApiError(
      "unprocessable",
      `A ${spec.width}×${spec.height} rendition exceeds the limit of ${config.MAX_RENDITION_PIXELS} pixels.`,
    );
  }
  return spec;
}
