// What a rendition request means: the Images binding's options (Cloudflare's names), and the output size computed
// in our own code from the image as shown, so the API can state it (and check the pixel limit) before anything is
// made, and so it is the same whichever binding makes it: Cloudflare Images in production, the local image engine
// (image-engine/) under `npm start` and in the tests. Both apply EXIF orientation before resizing.

export const RENDITION_FITS = ["scale-down", "contain", "cover", "crop", "pad"] as const;
export const RENDITION_FORMATS = ["webp", "avif", "jpeg", "png", "auto"] as const;
export const MAX_RENDITION_SIDE = 4096;
export const DEFAULT_QUALITY = 85;

export type RenditionFit = (typeof RENDITION_FITS)[number];
export type RenditionFormat = (typeof RENDITION_FORMATS)[number];
type OutputType = "image/webp" | "image/avif" | "image/jpeg" | "image/png";

/** The transform parameters of a file request, as given (all optional). */
export interface RenditionParams {
  width?: number | undefined;
  height?: number | undefined;
  fit?: RenditionFit | undefined;
  format?: RenditionFormat | undefined;
  quality?: number | undefined;
}

/** A resolved rendition: what to ask the Images binding for, and the name it is stored under. */
export interface RenditionSpec {
  transform: { width: number; height: number; fit: RenditionFit };
  output: { format: OutputType; quality: number };
  /** Expected output size (exact for scale-down and contain; the box for the others). */
  width: number;
  height: number;
  /** Stable, normalised: equal specs share one stored file. */
  name: string;
  /** Whether the format was chosen from the client's Accept header (the response varies by it). */
  negotiated: boolean;
}

const EXTENSIONS: Record<OutputType, string> = {
  "image/webp": "webp",
  "image/avif": "avif",
  "image/jpeg": "jpg",
  "image/png": "png",
};

// The standard renditions every image response links to. They are made once each and never count against a user's
// rendition budget.

/** Gallery thumbnails: one size, one format, so each image's thumbnail is made once and then served from R2. */
export const THUMBNAIL: RenditionParams = { width: 256, height: 256, fit: "scale-down", format: "webp", quality: 80 };

/** Full size and upright, as JPEG: how a browser that cannot decode HEIC shows one (at most 4096 px a side). */
const DISPLAY: RenditionParams = { width: 4096, height: 4096, fit: "scale-down", format: "jpeg", quality: 85 };

/** The rendition that shows `image` in an `<img>`, or undefined when the original shows as it is. */
export function displayRendition(image: { content_type: string }): RenditionParams | undefined {
  return image.content_type === "image/heic" || image.content_type === "image/heif" ? DISPLAY : undefined;
}

/** True when the request asks for a rendition at all (otherwise the original is served). */
export function wantsRendition(params: RenditionParams): boolean {
  return Object.values(params).some((value) => value !== undefined);
}

export function resolveRendition(
  source: { width: number; height: number; contentType: string },
  params: RenditionParams,
  accept: string | undefined,
): RenditionSpec {
  const fit = params.fit ?? "scale-down";
  const { width, height } = outputSize(source, params.width, params.height, fit);
  const negotiated = (params.format ?? "auto") === "auto";
  const format = negotiated
    ? negotiate(accept, source.contentType)
    : toType(params.format as Exclude<RenditionFormat, "auto">);
  const quality = format === "image/png" ? 100 : (params.quality ?? DEFAULT_QUALITY);
  return {
    transform: { width, height, fit },
    output: { format, quality },
    width,
    height,
    name: `r/${width}x${height}-${fit}-q${quality}.${EXTENSIONS[format]}`,
    negotiated,
  };
}

function outputSize(
  source: { width: number; height: number },
  boxWidth: number | undefined,
  boxHeight: number | undefined,
  fit: RenditionFit,
): { width: number; height: number } {
  const w = boxWidth ?? Number.POSITIVE_INFINITY;
  const h = boxHeight ?? Number.POSITIVE_INFINITY;
  const boxed = boxWidth !== undefined && boxHeight !== undefined;
  if (boxed && (fit === "cover" || fit === "pad" || fit === "crop")) {
    // Cloudflare fills (cover, pad) or cuts to (crop) the box; crop never enlarges.
    if (fit !== "crop") return { width: boxWidth, height: boxHeight };
    return { width: Math.min(boxWidth, source.width), height: Math.min(boxHeight, source.height) };
  }
  let scale = Math.min(w / source.width, h / source.height);
  if (!Number.isFinite(scale)) scale = 1; // no box at all: the source size, converted
  if (fit !== "contain" && fit !== "cover" && fit !== "pad") scale = Math.min(scale, 1); // scale-down, crop
  return {
    width: Math.max(1, Math.round(source.width * scale)),
    height: Math.max(1, Math.round(source.height * scale)),
  };
}

function toType(format: Exclude<RenditionFormat, "auto">): OutputType {
  return `image/${format}` as OutputType;
}

/** `auto`: AVIF, else WebP, when the client accepts them; else the source's own family (PNG keeps transparency). */
function negotiate(accept: string | undefined, sourceType: string): OutputType {
  const accepted = (accept ?? "").toLowerCase();
  if (accepted.includes("image/avif")) return "image/avif";
  if (accepted.includes("image/webp")) return "image/webp";
  return sourceType === "image/png" || sourceType === "image/gif" ? "image/png" : "image/jpeg";
}
