// The processing options of a rendition and of a processing session's output, with Cloudflare Images' names and
// meanings (https://developers.cloudflare.com/images/optimization/features/, the binding's ImageTransform and
// ImageDrawOptions), so production passes them to the Images binding as they are. Here: their vocabulary and ranges
// (the zod schema of rendition-options.routes.ts is built from them), the rules between options that need no image,
// and their flat spelling for a query string (`trim.top=10`, `gravity=0.3x0.7`, `watermark=img_…`), which the file
// route parses and a signed link signs.
export const RENDITION_FITS = ["scale-down", "contain", "cover", "crop", "pad"] as const;
export const RENDITION_FORMATS = ["webp", "avif", "jpeg", "png", "auto"] as const;
export const MAX_RENDITION_SIDE = 4096;
export const DEFAULT_QUALITY = 85;

export const ROTATIONS = [90, 180, 270] as const;
export const FLIPS = ["h", "v", "hv"] as const;
/** Named gravities (`center` is the default); a focal point `{x, y}` is the other kind. */
export const GRAVITY_NAMES = ["auto", "center", "left", "right", "top", "bottom"] as const;
export const WATERMARK_POSITIONS = [
  "center",
  "top",
  "bottom",
  "left",
  "right",
  "top-left",
  "top-right",
  "bottom-left",
  "bottom-right",
] as const;
export const METADATA_MODES = ["none", "copyright"] as const;

/** Ranges, from Cloudflare's documentation where it gives one (blur, sharpen), else chosen and documented. */
export const OPTION_RANGES = {
  /** brightness, contrast, gamma: multipliers, 1 = unchanged (Cloudflare ignores 0, so it is not offered). */
  factor: { exclusiveMin: 0, max: 4 },
  /** saturation: 0 = grayscale, 1 = unchanged. */
  saturation: { min: 0, max: 4 },
  blur: { min: 1, max: 250 },
  sharpen: { min: 0, max: 10 },
  /** Pixels cut from one side (the largest side Cloudflare reads is 12,000 px; WebP up to 16,383). */
  trim: { min: 0, max: 16384 },
  border: { min: 0, max: 1000 },
  /** A watermark's width as a fraction of the output's width. */
  watermarkWidth: { exclusiveMin: 0, max: 1 },
  opacity: { exclusiveMin: 0, max: 1 },
} as const;

export const WATERMARK_DEFAULTS = { opacity: 1, gravity: "bottom-right", width: 0.25 } as const;
export const BORDER_DEFAULT_COLOUR = "#000000";

export type RenditionFit = (typeof RENDITION_FITS)[number];
export type RenditionFormat = (typeof RENDITION_FORMATS)[number];
export type Rotation = (typeof ROTATIONS)[number];
export type Flip = (typeof FLIPS)[number];
export type GravityName = (typeof GRAVITY_NAMES)[number];
export type WatermarkPosition = (typeof WATERMARK_POSITIONS)[number];
export type MetadataMode = (typeof METADATA_MODES)[number];

export interface FocalPoint {
  x: number;
  y: number;
}

export interface TrimOption {
  top?: number | undefined;
  right?: number | undefined;
  bottom?: number | undefined;
  left?: number | undefined;
}

/** `color` defaults to black; `width` all round, or each side's width. */
export interface BorderOption extends TrimOption {
  color?: string | undefined;
  width?: number | undefined;
}

export interface WatermarkOption {
  imageId: string;
  opacity?: number | undefined;
  gravity?: WatermarkPosition | undefined;
  width?: number | undefined;
}

/** The processing options beyond size, fit, format and quality (all optional). */
export interface RenditionOptions {
  rotate?: Rotation | undefined;
  flip?: Flip | undefined;
  trim?: TrimOption | undefined;
  gravity?: GravityName | FocalPoint | undefined;
  brightness?: number | undefined;
  contrast?: number | undefined;
  gamma?: number | undefined;
  saturation?: number | undefined;
  blur?: number | undefined;
  sharpen?: number | undefined;
  background?: string | undefined;
  border?: BorderOption | undefined;
  metadata?: MetadataMode | undefined;
  watermark?: WatermarkOption | undefined;
}

/** The transform parameters of a file request, as given (all optional). */
export interface RenditionParams extends RenditionOptions {
  width?: number | undefined;
  height?: number | undefined;
  fit?: RenditionFit | undefined;
  format?: RenditionFormat | undefined;
  quality?: number | undefined;
}

export const SIDES = ["top", "right", "bottom", "left"] as const;

// Colours ------------------------------------------------------------------------------------------------------

export interface Rgba {
  r: number;
  g: number;
  b: number;
  /** 0–255 */
  a: number;
}

const NAMED_COLOURS: Record<string, Rgba> = {
  black: { r: 0, g: 0, b: 0, a: 255 },
  white: { r: 255, g: 255, b: 255, a: 255 },
  transparent: { r: 0, g: 0, b: 0, a: 0 },
};

/**
 * The colours offered: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa` (hex digits in either case), `black`, `white`,
 * `transparent`: a subset of the CSS colours Cloudflare accepts, each with one normalised spelling. The schema holds
 * the same pattern, so the contract says exactly what is accepted.
 */
export const COLOUR_PATTERN = /^(#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|black|white|transparent)$/;

export function parseColour(text: string): Rgba | null {
  if (!COLOUR_PATTERN.test(text)) return null;
  const named = NAMED_COLOURS[text];
  if (named) return named;
  const hex = text.slice(1).toLowerCase();
  const full = hex.length <= 4 ? [...hex].map((digit) => digit + digit).join("") : hex;
  const byte = (at: number) => Number.parseInt(full.slice(at, at + 2), 16);
  return { r: byte(0), g: byte(2), b: byte(4), a: full.length === 8 ? byte(6) : 255 };
}

/** A colour's one spelling: `#rrggbb`, or `#rrggbbaa` when not opaque (what the binding is given). */
export function colourHex(text: string): string {
  const colour = parseColour(text);
  if (!colour) throw new Error(`not a colour: ${text}`);
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  return `#${hex(colour.r)}${hex(colour.g)}${hex(colour.b)}${colour.a === 255 ? "" : hex(colour.a)}`;
}

// Rules between options -----------------------------------------------------------------------------------------

export interface OptionProblem {
  /** The option in its flat (query-string) spelling: `gravity`, `border.width`, `watermark.opacity`. */
  option: string;
  message: string;
}

/**
 * What is wrong with a combination of options, judged without the image (each option's own range is the schema's
 * to check): gravity only where something is cropped, the watermark's details only with a watermark, a border either
 * all round or per side.
 */
export function optionProblems(params: RenditionParams): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const cropping = (params.fit === "cover" || params.fit === "crop") && params.width !== undefined;
  if (params.gravity !== undefined && !(cropping && params.height !== undefined)) {
    problems.push({
      option: "gravity",
      message: "gravity says what a crop keeps: it needs fit=cover or fit=crop with both width and height.",
    });
  }
  if (params.watermark && params.watermark.imageId === undefined) {
    problems.push({
      option: "watermark",
      message:
        "`watermark.opacity`, `watermark.gravity` and `watermark.width` need `watermark`: the id of one of your images.",
    });
  }
  const border = params.border;
  if (border) {
    const perSide = SIDES.filter((side) => border[side] !== undefined);
    if (border.width !== undefined && perSide.length > 0) {
      problems.push({
        option: "border.width",
        message: `A border is either \`border.width\` all round or per side (${perSide.map((s) => `border.${s}`).join(", ")}), not both.`,
      });
    }
  }
  return problems;
}

// The flat spelling -----------------------------------------------------------------------------------------------

/**
 * The parameters as query-string pairs, sorted by name: nested options flattened (`trim.top`, `border.color`,
 * `watermark` for the watermark's image id and `watermark.opacity`…), a focal point as `gravity=XxY`. What a signed
 * link carries and signs; `fromRenditionQuery` reads it back to the same parameters.
 */
export function renditionQuery(params: RenditionParams): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (name === "gravity" && typeof value === "object") {
      const point = value as FocalPoint;
      pairs.push([name, `${point.x}x${point.y}`]);
    } else if (name === "watermark") {
      const { imageId, ...rest } = value as WatermarkOption;
      pairs.push([name, imageId]);
      for (const [key, inner] of Object.entries(rest))
        if (inner !== undefined) pairs.push([`${name}.${key}`, String(inner)]);
    } else if (typeof value === "object" && value !== null) {
      for (const [key, inner] of Object.entries(value))
        if (inner !== undefined) pairs.push([`${name}.${key}`, String(inner)]);
    } else {
      pairs.push([name, String(value)]);
    }
  }
  return pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const UNIT = "(0(?:\\.[0-9]+)?|1(?:\\.0+)?|\\.[0-9]+)";
/** A focal point in the query: `XxY`, each from 0 to 1 (the schema holds the same pattern). */
export const FOCAL_POINT = new RegExp(`^${UNIT}x${UNIT}$`);

/** A focal point as the query spells it, `XxY` with X and Y from 0 to 1 (`0.3x0.7`); null otherwise. */
export function parseFocalPoint(text: string): FocalPoint | null {
  const match = FOCAL_POINT.exec(text);
  return match ? { x: Number(match[1]), y: Number(match[2]) } : null;
}

/**
 * Validated flat parameters (the file route's query, each value already of its type) → the nested parameters:
 * `trim.top` → `trim: { top }`, `watermark` → `watermark: { imageId }`, `gravity=XxY` → `gravity: { x, y }`.
 */
export function fromRenditionQuery(flat: Record<string, unknown>): RenditionParams {
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(flat)) {
    if (value === undefined) continue;
    const dot = name.indexOf(".");
    if (dot < 0) {
      if (name === "watermark") params.watermark = { ...(params.watermark as object), imageId: value };
      else if (name === "gravity" && typeof value === "string") params.gravity = parseFocalPoint(value) ?? value;
      else params[name] = value;
      continue;
    }
    const head = name.slice(0, dot);
    params[head] = { ...(params[head] as object), [name.slice(dot + 1)]: value };
  }
  return params as RenditionParams;
}
