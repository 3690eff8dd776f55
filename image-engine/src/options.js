// Validation of what a caller asks for, before any pixel is decoded: a wrong option is the caller's mistake
// (9401, Cloudflare's "missing or invalid parameters"), and it is cheaper to say so without decoding first.
// The option set is the Images binding's (ImageTransform, ImageDrawOptions, ImageOutputOptions in
// @cloudflare/workers-types) with the meanings of https://developers.cloudflare.com/images/optimization/features/.
// Keys this engine does not know are ignored; `segment` is known but cannot be done here, so it is refused
// rather than silently skipped.
import { parseColor } from "./color.js";
import { badOptions } from "./errors.js";
import { SIDES } from "./geometry.js";

const FITS = new Set(["scale-down", "contain", "cover", "crop", "aspect-crop", "pad", "squeeze"]);
const FLIPS = new Set(["h", "v", "hv"]);
const ROTATIONS = new Set([0, 90, 180, 270, 360]);
export const OUTPUT_FORMATS = new Set(["image/jpeg", "image/png", "image/webp", "image/avif", "image/gif"]);

/** Bounds on the shape of one request (draw nesting, number of images and steps): work stays bounded. */
export const TREE_LIMITS = { depth: 8, images: 32, steps: 256 };

/**
 * @typedef {import("./geometry.js").Fit} Fit
 * @typedef {import("./geometry.js").Gravity} Gravity
 * @typedef {import("./color.js").Rgba} Rgba
 * @typedef {{ top: number, right: number, bottom: number, left: number, width?: number, height?: number,
 *   border: null | { color: Rgba | null, tolerance: number | null, keep: number } }} Trim
 * @typedef {object} Transform
 * @property {number} [width]
 * @property {number} [height]
 * @property {Fit} fit
 * @property {Gravity} gravity
 * @property {Trim | null} trim
 * @property {"h" | "v" | "hv" | null} flip
 * @property {0 | 90 | 180 | 270} rotate
 * @property {number} [brightness]
 * @property {number} [contrast]
 * @property {number} [gamma]
 * @property {number} [saturation]
 * @property {number} blur       radius 0–250
 * @property {number} sharpen    0–10
 * @property {{ color: Rgba, top: number, right: number, bottom: number, left: number } | null} border
 * @property {Rgba | null} background
 * @typedef {{ opacity: number, repeat: false | true | "x" | "y", top?: number, left?: number, bottom?: number, right?: number }} DrawOptions
 * @typedef {{ transform: Transform } | { draw: { node: Node, options: DrawOptions } }} Step
 * @typedef {{ bytes: Uint8Array, steps: Step[] }} Node
 * @typedef {{ format: string, quality: number | undefined, background: Rgba | null }} Output
 */

/**
 * The caller's chain → validated tree. Input form: `{ transform: ImageTransform }` or
 * `{ draw: { image: bytes | { image: bytes, steps }, options } }`.
 * @param {Uint8Array} bytes
 * @param {unknown} steps
 * @returns {Node}
 */
export function normalizeTree(bytes, steps) {
  const counts = { images: 0, steps: 0 };
  return normalizeNode(bytes, steps, 0, counts);
}

/** @param {unknown} bytes @param {unknown} steps @param {number} depth @param {{ images: number, steps: number }} counts */
function normalizeNode(bytes, steps, depth, counts) {
  if (!(bytes instanceof Uint8Array)) throw badOptions("every image must be bytes (Uint8Array)");
  if (depth > TREE_LIMITS.depth) throw badOptions(`draw() is nested more than ${TREE_LIMITS.depth} levels deep`);
  if (++counts.images > TREE_LIMITS.images) throw badOptions(`more than ${TREE_LIMITS.images} images in one request`);
  if (steps === undefined) steps = [];
  if (!Array.isArray(steps)) throw badOptions("steps must be an array");
  /** @type {Step[]} */
  const out = [];
  for (const step of steps) {
    if (++counts.steps > TREE_LIMITS.steps) throw badOptions(`more than ${TREE_LIMITS.steps} steps in one request`);
    if (step && typeof step === "object" && "transform" in step) {
      out.push({ transform: normalizeTransform(step.transform) });
    } else if (step && typeof step === "object" && "draw" in step && step.draw && typeof step.draw === "object") {
      const { image, options } = /** @type {{ image?: unknown, options?: unknown }} */ (step.draw);
      const nested = image instanceof Uint8Array ? { image, steps: [] } : /** @type {any} */ (image);
      if (!nested || typeof nested !== "object") throw badOptions("draw needs an image");
      const node = normalizeNode(nested.image, nested.steps, depth + 1, counts);
      out.push({ draw: { node, options: normalizeDraw(options) } });
    } else {
      throw badOptions("each step must be { transform } or { draw }");
    }
  }
  return { bytes, steps: out };
}

/**
 * @param {unknown} raw  an ImageTransform
 * @returns {Transform}
 */
export function normalizeTransform(raw) {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw badOptions("transform() takes an object");
  const t = /** @type {Record<string, unknown>} */ (raw);
  if (t.segment !== undefined) {
    throw badOptions('segment: "foreground" needs Cloudflare\'s BiRefNet model; the local image engine cannot do it');
  }
  const fit = t.fit === undefined ? "scale-down" : t.fit;
  if (typeof fit !== "string" || !FITS.has(fit)) throw badOptions(`fit must be one of ${[...FITS].join(", ")}`);
  const flip = t.flip === undefined ? null : t.flip;
  if (flip !== null && (typeof flip !== "string" || !FLIPS.has(flip)))
    throw badOptions('flip must be "h", "v" or "hv"');
  const rotate = t.rotate === undefined ? 0 : t.rotate;
  if (typeof rotate !== "number" || !ROTATIONS.has(rotate)) throw badOptions("rotate must be 0, 90, 180 or 270");

  return {
    width: dimension(t.width, "width"),
    height: dimension(t.height, "height"),
    fit: /** @type {Fit} */ (fit),
    gravity: normalizeGravity(t.gravity),
    trim: normalizeTrim(t.trim),
    flip: /** @type {"h" | "v" | "hv" | null} */ (flip),
    rotate: /** @type {0 | 90 | 180 | 270} */ (rotate % 360),
    brightness: factor(t.brightness, "brightness"),
    contrast: factor(t.contrast, "contrast"),
    gamma: factor(t.gamma, "gamma"),
    saturation: factor(t.saturation, "saturation"),
    blur: ranged(t.blur, "blur", 0, 250) ?? 0,
    sharpen: ranged(t.sharpen, "sharpen", 0, 10) ?? 0,
    border: normalizeBorder(t.border),
    background: t.background === undefined ? null : parseColor(t.background, "background"),
  };
}

/** @param {unknown} raw @returns {Gravity} */
function normalizeGravity(raw) {
  if (raw === undefined) return { ...SIDES.center, mode: "remainder" };
  if (typeof raw === "string") {
    if (raw in SIDES) return { ...SIDES[/** @type {keyof typeof SIDES} */ (raw)], mode: "remainder" };
    // No face detector here: `face` uses sharp's attention strategy (saliency that favours skin tones); `auto`
    // (Cloudflare: saliency) is the same; `entropy` is sharp's entropy strategy.
    if (raw === "auto" || raw === "face") return { strategy: "attention" };
    if (raw === "entropy") return { strategy: "entropy" };
    throw badOptions("gravity must be auto, face, entropy, left, right, top, bottom, center or {x, y}");
  }
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    const g = /** @type {Record<string, unknown>} */ (raw);
    const x = ranged(g.x, "gravity.x", 0, 1) ?? 0.5;
    const y = ranged(g.y, "gravity.y", 0, 1) ?? 0.5;
    const mode = g.mode === undefined ? "remainder" : g.mode;
    if (mode !== "remainder" && mode !== "box-center")
      throw badOptions('gravity.mode must be "remainder" or "box-center"');
    return { x, y, mode };
  }
  throw badOptions("gravity must be a string or {x, y}");
}

/** @param {unknown} raw @returns {Trim | null} */
function normalizeTrim(raw) {
  if (raw === undefined) return null;
  if (raw === "border")
    return { top: 0, right: 0, bottom: 0, left: 0, border: { color: null, tolerance: null, keep: 0 } };
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw badOptions('trim must be "border" or an object');
  const t = /** @type {Record<string, unknown>} */ (raw);
  /** @type {Trim["border"]} */
  let border = null;
  if (t.border === true) border = { color: null, tolerance: null, keep: 0 };
  else if (t.border && typeof t.border === "object") {
    const b = /** @type {Record<string, unknown>} */ (t.border);
    border = {
      color: b.color === undefined ? null : parseColor(b.color, "trim.border.color"),
      tolerance: ranged(b.tolerance, "trim.border.tolerance", 0, 255) ?? null,
      keep: pixels(b.keep, "trim.border.keep") ?? 0,
    };
  } else if (t.border !== undefined && t.border !== false)
    throw badOptions("trim.border must be a boolean or an object");
  return {
    top: pixels(t.top, "trim.top") ?? 0,
    right: pixels(t.right, "trim.right") ?? 0,
    bottom: pixels(t.bottom, "trim.bottom") ?? 0,
    left: pixels(t.left, "trim.left") ?? 0,
    width: dimension(t.width, "trim.width"),
    height: dimension(t.height, "trim.height"),
    border,
  };
}

/** @param {unknown} raw */
function normalizeBorder(raw) {
  if (raw === undefined) return null;
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw badOptions("border must be an object");
  const b = /** @type {Record<string, unknown>} */ (raw);
  // Not documented; black is what an unspecified border colour most plausibly means.
  const color = b.color === undefined ? { r: 0, g: 0, b: 0, alpha: 1 } : parseColor(b.color, "border.color");
  const all = pixels(b.width, "border.width");
  return {
    color,
    top: pixels(b.top, "border.top") ?? all ?? 0,
    right: pixels(b.right, "border.right") ?? all ?? 0,
    bottom: pixels(b.bottom, "border.bottom") ?? all ?? 0,
    left: pixels(b.left, "border.left") ?? all ?? 0,
  };
}

/**
 * @param {unknown} raw  ImageDrawOptions
 * @returns {DrawOptions}
 */
export function normalizeDraw(raw) {
  if (raw === undefined) raw = {};
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw badOptions("draw() options must be an object");
  const d = /** @type {Record<string, unknown>} */ (raw);
  // Cloudflare: "Setting both left and right, or both top and bottom is an error."
  if (d.left !== undefined && d.right !== undefined) throw badOptions("draw: set left or right, not both");
  if (d.top !== undefined && d.bottom !== undefined) throw badOptions("draw: set top or bottom, not both");
  const repeat = d.repeat ?? false;
  if (repeat !== true && repeat !== false && repeat !== "x" && repeat !== "y") {
    throw badOptions('draw repeat must be true, false, "x" or "y"');
  }
  return {
    opacity: ranged(d.opacity, "draw opacity", 0, 1) ?? 1,
    repeat: /** @type {DrawOptions["repeat"]} */ (repeat),
    top: offsetValue(d.top, "draw top"),
    left: offsetValue(d.left, "draw left"),
    bottom: offsetValue(d.bottom, "draw bottom"),
    right: offsetValue(d.right, "draw right"),
  };
}

/**
 * @param {unknown} raw  ImageOutputOptions
 * @returns {Output}
 */
export function normalizeOutput(raw) {
  if (!raw || typeof raw !== "object") throw badOptions("output() needs { format }");
  const o = /** @type {Record<string, unknown>} */ (raw);
  if (o.format === "rgb" || o.format === "rgba") {
    throw badOptions(`output format ${o.format} (raw pixels) is not implemented by the local image engine`);
  }
  if (typeof o.format !== "string" || !OUTPUT_FORMATS.has(o.format)) {
    throw badOptions(`output format must be one of ${[...OUTPUT_FORMATS].join(", ")}`);
  }
  const quality = ranged(o.quality, "quality", 1, 100);
  return {
    format: o.format,
    quality: quality === undefined ? undefined : Math.round(quality),
    background: o.background === undefined ? null : parseColor(o.background, "output background"),
  };
}

/** A positive size in pixels (rounded). @param {unknown} v @param {string} name */
function dimension(v, name) {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || Math.round(v) < 1)
    throw badOptions(`${name} must be a positive number`);
  return Math.round(v);
}

/** A non-negative pixel count (rounded). @param {unknown} v @param {string} name */
function pixels(v, name) {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw badOptions(`${name} must be a number ≥ 0`);
  return Math.round(v);
}

/** A pixel offset, may be negative (an overlay partly outside). @param {unknown} v @param {string} name */
function offsetValue(v, name) {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw badOptions(`${name} must be a number`);
  return Math.round(v);
}

/** A multiplier ≥ 0. @param {unknown} v @param {string} name */
function factor(v, name) {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw badOptions(`${name} must be a number ≥ 0`);
  return v;
}

/** @param {unknown} v @param {string} name @param {number} min @param {number} max */
function ranged(v, name, min, max) {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    throw badOptions(`${name} must be a number from ${min} to ${max}`);
  }
  return v;
}
