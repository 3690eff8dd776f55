import { ApiError } from "../lib/problem";
import {
  BORDER_DEFAULT_COLOUR,
  colourHex,
  DEFAULT_QUALITY,
  type FocalPoint,
  type GravityName,
  type MetadataMode,
  type RenditionFit,
  type RenditionFormat,
  type RenditionParams,
  type TrimOption,
  WATERMARK_DEFAULTS,
  type WatermarkOption,
} from "./rendition-options";

// What a rendition request means: the Images binding's options (Cloudflare's names), and the output size computed
// in our own code from the image as shown, so the API can state it (and check the pixel limit) before anything is
// made, and so it is the same whichever binding makes it: Cloudflare Images in production, the local image engine
// (image-engine/) under `npm start` and in the tests. Both apply EXIF orientation before resizing.

type OutputType = "image/webp" | "image/avif" | "image/jpeg" | "image/png";

/** The image drawn over a rendition (a watermark): where its original is, and its size as shown (edited). */
export interface WatermarkSource {
  id: string;
  key: string;
  width: number;
  height: number;
  /** Its own edits (edits.ts) as a transform, drawn as it is shown; its edit version names the rendition. */
  edit?: ImageTransform | undefined;
  editVersion?: number | undefined;
}

/** A resolved rendition: what to ask the Images binding for, and the name it is stored under. */
export interface RenditionSpec {
  /** The image's edits (edits.ts), the first transform; `transform` applies to the edited picture. */
  edit?: ImageTransform;
  transform: ImageTransform;
  output: { format: OutputType; quality: number };
  /** The watermark: which image, its original, its own transform (its size on the output), and where it is drawn. */
  watermark?: { id: string; key: string; edit?: ImageTransform; transform: ImageTransform; draw: ImageDrawOptions };
  /** `none`: a JPEG's EXIF, XMP, IPTC and comments are removed (Cloudflare keeps the copyright; other formats none). */
  metadata: MetadataMode;
  /** Expected output size (exact for scale-down and contain; the box for the others), after trim, rotate, border. */
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

/**
 * The rendition that shows `image` in an `<img>`, or undefined when the original shows as it is: a HEIC (which most
 * browsers cannot decode) as a JPEG; an edited image in its own family (PNG and GIF as PNG, keeping transparency;
 * WebP as WebP; the rest as JPEG), since the original is not what it shows.
 */
export function displayRendition(image: { content_type: string; edits?: unknown }): RenditionParams | undefined {
  if (image.content_type === "image/heic" || image.content_type === "image/heif") return DISPLAY;
  if (!image.edits) return undefined;
  const family = image.content_type === "image/png" || image.content_type === "image/gif" ? "png" : undefined;
  return { ...DISPLAY, format: family ?? (image.content_type === "image/webp" ? "webp" : "jpeg") };
}

/**
 * A rendition's name under an image's edit version: `r/e<version>-…` once the image has been edited (even back to
 * nothing), so a rendition of an earlier edit is never found again, and its ETag differs.
 */
export function versionedRenditionName(name: string, editVersion: number): string {
  return editVersion > 0 ? name.replace(/^r\//, `r/e${editVersion}-`) : name;
}

/** The edit version a rendition's name was made under (0: before any edit). */
export function renditionEditVersion(name: string): number {
  const match = /^r\/e(\d+)-/.exec(name);
  return match ? Number(match[1]) : 0;
}

/** True when the request asks for a rendition at all (otherwise the original is served). */
export function wantsRendition(params: RenditionParams): boolean {
  return Object.values(params).some((value) => value !== undefined);
}

/**
 * What `params` ask of an image of `source` size (as shown): the binding's options, the output size, the name.
 * Options are normalised (a default or a no-op is left out), so equal requests give one name. A trim that leaves
 * nothing of the image is a 400 naming the option.
 */
export function resolveRendition(
  source: { width: number; height: number; contentType: string },
  params: RenditionParams,
  accept: string | undefined,
  watermark?: WatermarkSource,
): RenditionSpec {
  const fit = params.fit ?? "scale-down";
  const negotiated = (params.format ?? "auto") === "auto";
  const format = negotiated
    ? negotiate(accept, source.contentType)
    : toType(params.format as Exclude<RenditionFormat, "auto">);
  const quality = format === "image/png" ? 100 : (params.quality ?? DEFAULT_QUALITY);

  // Cloudflare's order inside one transform: trim, flip, rotate, resize (width and height refer to the rotated
  // axes), colour adjustments, blur, sharpen, border, background.
  const trim = sides(params.trim);
  const trimmed = { width: source.width - trim.left - trim.right, height: source.height - trim.top - trim.bottom };
  if (trimmed.width < 1 || trimmed.height < 1) {
    const [a, b, extent, size] =
      trimmed.width < 1
        ? (["left", "right", "wide", source.width] as const)
        : (["top", "bottom", "high", source.height] as const);
    const message = `trim.${a} + trim.${b} (${trim[a] + trim[b]} px) leaves nothing of the image, ${size} px ${extent} as shown.`;
    throw new ApiError("validation_failed", message, {
      errors: [a, b].map((side) => ({ path: `query.trim.${side}`, message })),
    });
  }
  const turned = params.rotate === 90 || params.rotate === 270;
  const shown = turned ? { width: trimmed.height, height: trimmed.width } : trimmed;
  const { width, height } = outputSize(shown, params.width, params.height, fit);

  const transform: ImageTransform = { width, height, fit };
  const tokens: string[] = [];
  if (trim.top || trim.right || trim.bottom || trim.left) {
    transform.trim = trim;
    tokens.push(`t${trim.top}_${trim.right}_${trim.bottom}_${trim.left}`);
  }
  if (params.flip) {
    transform.flip = params.flip;
    tokens.push(`f${params.flip}`);
  }
  if (params.rotate) {
    transform.rotate = params.rotate;
    tokens.push(`r${params.rotate}`);
  }
  const gravity = normalGravity(params.gravity);
  if (gravity !== undefined) {
    transform.gravity = typeof gravity === "string" ? gravity : { ...gravity, mode: "remainder" };
    tokens.push(`g${typeof gravity === "string" ? gravity : `${gravity.x}x${gravity.y}`}`);
  }
  for (const [option, token] of [
    ["brightness", "bri"],
    ["contrast", "con"],
    ["gamma", "gam"],
    ["saturation", "sat"],
  ] as const) {
    const value = params[option];
    if (value !== undefined && value !== 1) {
      transform[option] = value;
      tokens.push(`${token}${value}`);
    }
  }
  if (params.blur) {
    transform.blur = params.blur;
    tokens.push(`blur${params.blur}`);
  }
  if (params.sharpen) {
    transform.sharpen = params.sharpen;
    tokens.push(`sharp${params.sharpen}`);
  }
  const edge = sides(params.border?.width === undefined ? params.border : borderAllRound(params.border.width));
  if (params.border && (edge.top || edge.right || edge.bottom || edge.left)) {
    const color = colourHex(params.border.color ?? BORDER_DEFAULT_COLOUR);
    transform.border = { color, ...edge };
    tokens.push(`border${color.slice(1)}_${edge.top}_${edge.right}_${edge.bottom}_${edge.left}`);
  }
  if (params.background !== undefined) {
    transform.background = colourHex(params.background);
    tokens.push(`bg${transform.background.slice(1)}`);
  }
  const output = {
    width: width + edge.left + edge.right,
    height: height + edge.top + edge.bottom,
  };
  const drawn = watermark && params.watermark ? placeWatermark(watermark, params.watermark, output) : undefined;
  if (drawn) tokens.push(drawn.token);
  // Only a JPEG carries metadata at all (Cloudflare: WebP and PNG output always discard it).
  const metadata = format === "image/jpeg" ? (params.metadata ?? "none") : "none";
  if (format === "image/jpeg") tokens.push(`m${metadata}`);

  return {
    transform,
    output: { format, quality },
    ...(drawn
      ? {
          watermark: {
            id: watermark!.id,
            key: watermark!.key,
            ...(watermark!.edit ? { edit: watermark!.edit } : {}),
            transform: drawn.transform,
            draw: drawn.draw,
          },
        }
      : {}),
    metadata,
    width: output.width,
    height: output.height,
    name: `r/${output.width}x${output.height}-${[fit, ...tokens].join("-")}-q${quality}.${EXTENSIONS[format]}`,
    negotiated,
  };
}

/** Each side's pixels, 0 when not given. */
function sides(option: TrimOption | undefined): { top: number; right: number; bottom: number; left: number } {
  return { top: option?.top ?? 0, right: option?.right ?? 0, bottom: option?.bottom ?? 0, left: option?.left ?? 0 };
}

function borderAllRound(width: number): TrimOption {
  return { top: width, right: width, bottom: width, left: width };
}

/** The gravity that changes something: `center` (and the focal point 0.5x0.5) is the default, a side's point its name. */
function normalGravity(gravity: RenditionParams["gravity"]): GravityName | FocalPoint | undefined {
  if (gravity === undefined || typeof gravity === "string") return gravity === "center" ? undefined : gravity;
  const named = (["center", "left", "right", "top", "bottom"] as const).find(
    (name) => FOCAL_POINTS[name].x === gravity.x && FOCAL_POINTS[name].y === gravity.y,
  );
  return named === undefined ? { x: gravity.x, y: gravity.y } : normalGravity(named);
}

const FOCAL_POINTS = {
  center: { x: 0.5, y: 0.5 },
  left: { x: 0, y: 0.5 },
  right: { x: 1, y: 0.5 },
  top: { x: 0.5, y: 0 },
  bottom: { x: 0.5, y: 1 },
};

/** Where a watermark goes: from the named edge(s), inset by 2 % of the output's shorter side. */
const WATERMARK_INSET = 0.02;

/**
 * The watermark drawn on an output of `output` size: scaled (keeping its aspect ratio) to `width` of the output's
 * width, and at most the output's height, then drawn at its position with its opacity (ImageDrawOptions).
 */
function placeWatermark(
  source: WatermarkSource,
  option: WatermarkOption,
  output: { width: number; height: number },
): { transform: ImageTransform; draw: ImageDrawOptions; token: string } {
  const opacity = option.opacity ?? WATERMARK_DEFAULTS.opacity;
  const gravity = option.gravity ?? WATERMARK_DEFAULTS.gravity;
  const share = option.width ?? WATERMARK_DEFAULTS.width;
  const inset = Math.round(Math.min(output.width, output.height) * WATERMARK_INSET);
  const transform: ImageTransform = {
    width: Math.max(1, Math.round(output.width * share)),
    height: Math.max(1, output.height - 2 * inset),
    fit: "contain",
  };
  const draw: ImageDrawOptions = { opacity };
  for (const edge of ["top", "bottom", "left", "right"] as const) {
    if (gravity === edge || gravity.startsWith(`${edge}-`) || gravity.endsWith(`-${edge}`)) draw[edge] = inset;
  }
  const version = source.editVersion ? `e${source.editVersion}` : "";
  return { transform, draw, token: `${WATERMARK_TOKEN}${source.id}${version}_${opacity}_${gravity}_${share}` };
}

/** How a rendition's name says which image it draws as a watermark: `-wm<id>[e<edit version>]_…`. */
const WATERMARK_TOKEN = "wm";

/**
 * The edit version of image `id` that a rendition's name says it draws as a watermark (0: unedited), or null when
 * it draws no such watermark. An id that another id starts with could also match the longer one's token: then a
 * rendition is taken for one that draws it, which at worst deletes a file that is made again when asked for.
 */
export function watermarkVersion(name: string, id: string): number | null {
  const at = name.indexOf(`-${WATERMARK_TOKEN}${id}`);
  if (at < 0) return null;
  const version = /^(?:e(\d+))?_/.exec(name.slice(at + 1 + WATERMARK_TOKEN.length + id.length));
  return version ? Number(version[1] ?? 0) : null;
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
