import type { Config } from "../lib/config";
import { concatBytes } from "../lib/encoding";
import { ApiError } from "../lib/problem";
import { editedImage } from "./edits";
import { matchesEtag } from "./image-file";
import { imageNotFound, watermarkNotFound } from "./not-found";
import type { RenditionParams } from "./rendition-options";
import { type RenditionSpec, resolveRendition, versionedRenditionName, type WatermarkSource } from "./rendition-spec";
import { derivedKey } from "./store/image-objects";
import type { ImageRow } from "./store/image-rows";

// Renditions: resized or converted copies of an image, made once with the Images binding and stored in R2 under
// the image (so deleting the image and the orphan sweep cover them), then served from R2.

interface RenditionDeps {
  bucket: R2Bucket;
  images: ImagesBinding;
  /**
   * Which of the image and the watermark its rendition draws no longer exists (null: both do): a delete that answered
   * while a rendition was being made wins (see below).
   */
  gone: (image: ImageRow, watermarkId?: string) => Promise<"image" | "watermark" | null>;
  /** Records that renditions of `image` draw image `watermarkId` (store/watermark-uses.ts); false when it is gone. */
  useWatermark: (image: ImageRow, watermarkId: string) => Promise<boolean>;
  /** Called before a rendition that is not stored yet is made: the place to refuse it (a budget). */
  beforeMaking?: (image: ImageRow, spec: RenditionSpec) => Promise<void>;
}

export type Rendition =
  | { kind: "not-modified"; image: ImageRow; spec: RenditionSpec; etag: string }
  | ({ kind: "full"; image: ImageRow; spec: RenditionSpec; etag: string } & ServedRendition);

/** The rendition `params` ask of the owner's `image`, from R2 or made now; nothing when `ifNoneMatch` names it. */
export async function readRendition(
  deps: RenditionDeps & { config: Config },
  image: ImageRow,
  input: {
    params: RenditionParams;
    accept?: string | undefined;
    ifNoneMatch?: string | undefined;
    /** The owner's image that `params.watermark` names, found by the caller with the owner's lookup. */
    watermark?: ImageRow | undefined;
  },
): Promise<Rendition> {
  const spec = planRendition(image, input.params, input.accept, deps.config, input.watermark);
  // Strong: one source and one spec always make the same bytes.
  const etag = `"${image.sha256}-${spec.name.replace("r/", "")}"`;
  if (matchesEtag(input.ifNoneMatch, etag)) return { kind: "not-modified", image, spec, etag };
  return { kind: "full", image, spec, etag, ...(await ensureRendition(deps, image, spec)) };
}

/**
 * The rendition `params` ask of `image` as edited (its edits the first transform, the size the edited one's, the
 * name under its edit version), with `watermark` (the owner's image `params.watermark` names) drawn over it; refused
 * (422) when its output would exceed the pixel limit.
 */
export function planRendition(
  image: ImageRow,
  params: RenditionParams,
  accept: string | undefined,
  config: Pick<Config, "MAX_RENDITION_PIXELS">,
  watermark?: ImageRow,
): RenditionSpec {
  const edited = editedImage(image);
  const resolved = resolveRendition(
    { ...edited.size, contentType: image.content_type },
    params,
    accept,
    watermark && watermarkSource(watermark),
  );
  const spec: RenditionSpec = {
    ...resolved,
    ...(edited.transform ? { edit: edited.transform } : {}),
    name: versionedRenditionName(resolved.name, edited.version),
  };
  if (spec.width * spec.height > config.MAX_RENDITION_PIXELS) {
    throw new ApiError(
      "unprocessable",
      `A ${spec.width}×${spec.height} rendition exceeds the limit of ${config.MAX_RENDITION_PIXELS} pixels.`,
    );
  }
  return spec;
}

function watermarkSource(image: ImageRow): WatermarkSource {
  const edited = editedImage(image);
  return { id: image.id, key: image.r2_key, ...edited.size, edit: edited.transform, editVersion: edited.version };
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
  image: ImageRow,
  spec: RenditionSpec,
): Promise<ServedRendition> {
  const key = derivedKey(image.user_id, image.sha256, spec.name);
  const stored = await deps.bucket.get(key);
  if (stored) return { body: stored.body, bytes: stored.size, transformed: false };
  const made = await makeRendition(deps, image, spec, key);
  return { body: new Response(made).body!, bytes: made.byteLength, transformed: true };
}

/** Like `ensureRendition`, for a caller that needs the rendition stored but not its bytes: the size it has. */
export async function ensureRenditionStored(deps: RenditionDeps, image: ImageRow, spec: RenditionSpec) {
  const key = derivedKey(image.user_id, image.sha256, spec.name);
  const stored = await deps.bucket.head(key);
  return stored ? stored.size : (await makeRendition(deps, image, spec, key)).byteLength;
}

async function makeRendition(
  deps: RenditionDeps,
  image: ImageRow,
  spec: RenditionSpec,
  key: string,
): Promise<Uint8Array> {
  await deps.beforeMaking?.(image, spec);
  const watermarkId = spec.watermark?.id;
  // Recorded first, so that deleting the watermark finds this file (or runs before it is written: see below).
  if (watermarkId && !(await deps.useWatermark(image, watermarkId))) throw watermarkNotFound();
  const bytes = await transform(deps, image, spec);
  await deps.bucket.put(key, bytes, { httpMetadata: { contentType: spec.output.format } });
  // A delete of the image (or of its watermark) that ran meanwhile removed its files before this one was written: take
  // it back, so nothing of a deleted image stays. (A delete after this check removes it with the rest.)
  const gone = await deps.gone(image, watermarkId);
  if (gone) {
    await deps.bucket.delete(key);
    throw gone === "image" ? imageNotFound() : watermarkNotFound();
  }
  return bytes;
}

/** A failure of the service itself is tried once more (a dropped connection is the usual one), on a fresh read. */
const TRANSFORM_ATTEMPTS = 2;

async function transform(deps: RenditionDeps, image: ImageRow, spec: RenditionSpec): Promise<Uint8Array> {
  for (let attempt = 1; ; attempt++) {
    const source = await deps.bucket.get(image.r2_key);
    if (!source) throw imageNotFound();
    const overlay = spec.watermark && (await deps.bucket.get(spec.watermark.key));
    if (spec.watermark && !overlay) throw watermarkNotFound();
    try {
      // The edits first, as their own transform: the requested options apply to the edited picture.
      let chain = deps.images.input(source.body);
      if (spec.edit) chain = chain.transform(spec.edit);
      chain = chain.transform(spec.transform);
      if (spec.watermark && overlay) {
        // Drawn after the transform, on the output: the logo is neither blurred nor recoloured with the photo.
        let logo = deps.images.input(overlay.body);
        if (spec.watermark.edit) logo = logo.transform(spec.watermark.edit);
        chain = chain.draw(logo.transform(spec.watermark.transform), spec.watermark.draw);
      }
      const result = await chain.output(spec.output);
      const bytes = new Uint8Array(await result.response().arrayBuffer());
      // miniflare's own binding answers an undecodable image with no bytes at all rather than an error.
      if (bytes.byteLength === 0) throw Object.assign(new Error("no output"), { code: IMAGES_NOT_AN_IMAGE });
      return spec.metadata === "none" && spec.output.format === "image/jpeg" ? withoutJpegMetadata(bytes) : bytes;
    } catch (error) {
      const failure = renditionFailure(error);
      if (failure.status < 500 || attempt === TRANSFORM_ATTEMPTS) {
        console.error("rendition failed", { imageId: image.id, spec: spec.name, attempt, error: String(error) });
        throw failure;
      }
    }
  }
}

/**
 * A JPEG without its invisible metadata: the APP1 (EXIF, XMP), APP13 (IPTC) and comment segments before the image
 * data are dropped; everything else (the colour profile in APP2, the frame, the scans) is kept byte for byte. The
 * binding has no `metadata` option (ImageOutputOptions: format, quality, background, anim) and Cloudflare keeps the
 * copyright tag of a JPEG, so `metadata: none` is done here, the same with either binding.
 */
export function withoutJpegMetadata(jpeg: Uint8Array): Uint8Array {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return jpeg;
  const kept: Uint8Array[] = [jpeg.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    if (marker === 0xff) {
      at++; // a fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // start of scan, end of image: the rest is kept as it is
    const end = at + 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!);
    if (marker !== 0xe1 && marker !== 0xed && marker !== 0xfe) kept.push(jpeg.subarray(at, end));
    at = end;
  }
  kept.push(jpeg.subarray(at));
  return concatBytes(kept);
}

/** Cloudflare's ImagesError code for an input that is not an image. */
const IMAGES_NOT_AN_IMAGE = 9412;

/** ImagesError 9516: the image could not be decoded (a corrupt file). Cloudflare documents it with HTTP 422. */
const IMAGES_UNDECODABLE = 9516;

/**
 * What a failed transform means for the client. ImagesError codes 9400–9499 describe the input or the options (not
 * an image, too large, …), and 9516 a file that cannot be decoded: converting it again cannot help, 422. Anything
 * else (a dropped connection, another 95xx) is the service's failure: 503 with Retry-After, and a processing session
 * retries the item.
 */
export function renditionFailure(error: unknown): ApiError {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "number" && ((code >= 9400 && code < 9500) || code === IMAGES_UNDECODABLE)) {
    return new ApiError("unprocessable", "This image cannot be converted to the requested rendition.");
  }
  return new ApiError("unavailable", "The image service could not convert this image just now; retry shortly.", {
    headers: { "Retry-After": "5" },
  });
}
