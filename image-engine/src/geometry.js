// Where pixels go when a transform resizes: the output size for each `fit`, and the crop window for `gravity`.
// Pure arithmetic (no sharp), so the rules can be read and tested on their own.
// Source: https://developers.cloudflare.com/images/optimization/features/#fit and #gravity
//   scale-down  whole image inside the box, never enlarged            (the default when `fit` is omitted)
//   contain     whole image inside the box, enlarged if smaller
//   cover       fills the box exactly, cropping the overflow (gravity picks what stays), enlarges
//   crop        like cover, but never enlarges: a smaller image keeps its size (cropped only where it overflows)
//   aspect-crop cropped to the box's aspect ratio, never enlarged
//   pad         like contain, then the canvas is extended to the exact box with `background`
//   squeeze     stretched to the exact box
// With only one of width/height there is no box to fill or crop: every fit scales to that side (scale-down,
// crop and aspect-crop only downwards), keeping the aspect ratio.

/** @typedef {"scale-down" | "contain" | "cover" | "crop" | "aspect-crop" | "pad" | "squeeze"} Fit */
/** @typedef {{ x: number, y: number, mode: "remainder" | "box-center" } | { strategy: "attention" | "entropy" }} Gravity */

/**
 * @typedef {{ kind: "none" }
 *   | { kind: "scale", width: number, height: number }
 *   | { kind: "pad", width: number, height: number, canvasWidth: number, canvasHeight: number, left: number, top: number }
 *   | { kind: "crop", scaledWidth: number, scaledHeight: number, width: number, height: number,
 *       left: number, top: number, strategy: "attention" | "entropy" | null }} ResizePlan
 */

/**
 * @param {{ width: number, height: number }} source   the image as it is at this step (after trim and rotation)
 * @param {{ width?: number, height?: number, fit: Fit, gravity: Gravity }} box
 * @returns {ResizePlan}
 */
export function planResize(source, box) {
  const { width: W, height: H } = source;
  const tw = box.width;
  const th = box.height;
  if (tw === undefined && th === undefined) return { kind: "none" };

  const ratios = [tw === undefined ? null : tw / W, th === undefined ? null : th / H].filter((r) => r !== null);
  const fitRatio = Math.min(...ratios); // whole image inside the box
  const fillRatio = Math.max(...ratios); // box entirely covered
  const scaled = (/** @type {number} */ s) => ({ width: side(W * s), height: side(H * s) });

  if (tw === undefined || th === undefined) {
    // One side only: scale to it. Only scale-down, crop and aspect-crop refuse to enlarge.
    const noEnlarge = box.fit === "scale-down" || box.fit === "crop" || box.fit === "aspect-crop";
    return { kind: "scale", ...scaled(noEnlarge ? Math.min(1, fitRatio) : fitRatio) };
  }

  switch (box.fit) {
    case "scale-down":
      return { kind: "scale", ...scaled(Math.min(1, fitRatio)) };
    case "contain":
      return { kind: "scale", ...scaled(fitRatio) };
    case "squeeze":
      return { kind: "scale", width: tw, height: th };
    case "pad": {
      const inner = scaled(fitRatio);
      return {
        kind: "pad",
        ...inner,
        canvasWidth: tw,
        canvasHeight: th,
        left: Math.floor((tw - inner.width) / 2),
        top: Math.floor((th - inner.height) / 2),
      };
    }
    case "cover":
      return cropPlan(W, H, fillRatio, tw, th, box.gravity);
    case "crop": {
      const s = Math.min(1, fillRatio);
      const size = scaled(s);
      return cropPlan(W, H, s, Math.min(tw, size.width), Math.min(th, size.height), box.gravity);
    }
    case "aspect-crop": {
      const s = Math.min(1, fillRatio);
      const size = scaled(s);
      const aspect = tw / th;
      const fitsWide = size.width / size.height > aspect;
      const cw = Math.min(tw, fitsWide ? side(size.height * aspect) : size.width);
      const ch = Math.min(th, fitsWide ? size.height : side(size.width / aspect));
      return cropPlan(W, H, s, cw, ch, box.gravity);
    }
    default:
      throw new Error(`unknown fit ${box.fit}`);
  }
}

/**
 * Scale by `s`, then cut a `cw` × `ch` window placed by gravity.
 * @param {number} W @param {number} H @param {number} s @param {number} cw @param {number} ch
 * @param {Gravity} gravity
 * @returns {ResizePlan}
 */
function cropPlan(W, H, s, cw, ch, gravity) {
  // Rounding must never leave the scaled image smaller than the window it is cut from.
  const sw = Math.max(cw, side(W * s));
  const sh = Math.max(ch, side(H * s));
  if ("strategy" in gravity) {
    return {
      kind: "crop",
      scaledWidth: sw,
      scaledHeight: sh,
      width: cw,
      height: ch,
      left: 0,
      top: 0,
      strategy: gravity.strategy,
    };
  }
  return {
    kind: "crop",
    scaledWidth: sw,
    scaledHeight: sh,
    width: cw,
    height: ch,
    left: offset(gravity.x, sw, cw, gravity.mode),
    top: offset(gravity.y, sh, ch, gravity.mode),
    strategy: null,
  };
}

/**
 * Where a window of `part` pixels starts inside `full` pixels for a focal point at fraction `f`.
 * "remainder" (Cloudflare's XxY description): the point keeps its relative position, so the overflow is split
 * f : (1 − f) — 0 keeps the left/top edge, 1 the right/bottom edge, 0.5 centres.
 * "box-center": the window is centred on the point, then pushed back inside the image.
 * @param {number} f @param {number} full @param {number} part @param {"remainder" | "box-center"} mode
 */
export function offset(f, full, part, mode) {
  const spare = full - part;
  if (spare <= 0) return 0;
  const start = mode === "box-center" ? Math.round(f * full - part / 2) : Math.round(f * spare);
  return Math.min(spare, Math.max(0, start));
}

/** A pixel count: rounded, at least 1. @param {number} value */
function side(value) {
  return Math.max(1, Math.round(value));
}

/** Named gravities as focal points (fractions of width and height). */
export const SIDES = {
  center: { x: 0.5, y: 0.5 },
  left: { x: 0, y: 0.5 },
  right: { x: 1, y: 0.5 },
  top: { x: 0.5, y: 0 },
  bottom: { x: 0.5, y: 1 },
};
