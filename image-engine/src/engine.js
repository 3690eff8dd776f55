// The local image engine: Cloudflare's Images binding semantics on sharp (libvips) and libheif-js.
//   info(bytes)                       → { format, fileSize, width, height }  (size as shown: after EXIF/irot)
//   transform(bytes, steps, output)   → { data, contentType, width, height }
// `steps` is the binding chain in call order: { transform: ImageTransform } or
// { draw: { image: bytes | { image: bytes, steps }, options: ImageDrawOptions } }.
//
// Between steps the image is held as 8-bit RGB pixels, or RGBA when it has (or an operation gives it) an alpha
// channel, one sharp pipeline per operation where order matters, because Cloudflare fixes the order inside one
// transform() — trim, flip, rotate, resize, colour, blur/sharpen, border, background — while sharp reorders
// operations inside a single pipeline.
// The common case — a JPEG/PNG/WebP/AVIF/GIF with at most one transform that only resizes (width, height, fit,
// gravity), nothing drawn — runs as one pipeline from decoder to encoder instead (fused(): libvips streams it,
// shrinks on load where it can, and never materialises the full-size pixels); it gives the same pixels.
// Sources: https://developers.cloudflare.com/images/optimization/features/ (options, order, metadata),
// https://developers.cloudflare.com/images/optimization/transformations/bindings/ (the chain),
// https://developers.cloudflare.com/images/optimization/transformations/draw-overlays/ (draw),
// https://developers.cloudflare.com/images/get-started/limits/ (limits, progressive JPEG),
// https://developers.cloudflare.com/images/reference/errors/ (codes).
import exifr from "exifr";
import sharp from "sharp";
import { adjustColours, changesColours, hasTransparency, scaleAlpha } from "./adjust.js";
import { WHITE } from "./color.js";
import { detectKind, MIME } from "./detect.js";
import { badOptions, CODES, ImagesError, notAnImage, tooLarge } from "./errors.js";
import { planResize } from "./geometry.js";
import { readHeifLayout } from "./heif-boxes.js";
import { decodeHeif } from "./heif-decode.js";
import { normalizeOutput, normalizeTree } from "./options.js";

// Every request brings new bytes: libvips' operation cache would only hold memory.
sharp.cache(false);

/**
 * @typedef {object} Limits
 * @property {number} maxInputBytes   Cloudflare: 100 MB per image file (9402)
 * @property {number} maxInputPixels  Cloudflare: 100 megapixels of image area (9413), checked before decoding
 * @property {number} maxInputSide    Cloudflare: 12,000 px per side, except WebP and AVIF (9413)
 * @property {number} maxOutputSide   an output (or intermediate) larger than this on a side is refused (9413)
 */

/** @type {Readonly<Limits>} */
export const DEFAULT_LIMITS = Object.freeze({
  maxInputBytes: 100 * 1024 * 1024,
  maxInputPixels: 100_000_000,
  maxInputSide: 12_000,
  maxOutputSide: 12_000,
});

/** Cloudflare's default output quality. */
export const DEFAULT_QUALITY = 85;

/** @typedef {import("./adjust.js").Pixels} Pixels  8-bit RGB, or RGBA when there is an alpha channel */

/**
 * @param {Uint8Array} bytes
 * @param {{ limits?: Partial<Limits> }} [options]
 * @returns {Promise<{ format: "image/svg+xml" } | { format: string, fileSize: number, width: number, height: number }>}
 */
export async function info(bytes, { limits } = {}) {
  const found = await inspect(bytes, { ...DEFAULT_LIMITS, ...limits }, { enforceArea: false });
  if (found.kind === "svg") return { format: "image/svg+xml" };
  return { format: MIME[found.kind], fileSize: bytes.length, width: found.width, height: found.height };
}

/**
 * @param {Uint8Array} bytes
 * @param {unknown[]} steps
 * @param {{ format: string, quality?: number, background?: string }} output
 * @param {{ limits?: Partial<Limits>, fused?: boolean }} [options]  `fused: false` turns the single-pipeline
 *   path off (every request takes the step-by-step path; for tests that compare the two)
 * @returns {Promise<{ data: Buffer, contentType: string, width: number, height: number }>}
 */
export async function transform(bytes, steps, output, { limits, fused: fuse = true } = {}) {
  const all = { ...DEFAULT_LIMITS, ...limits };
  // Options first: a malformed request is answered without decoding anything.
  const tree = normalizeTree(bytes, steps);
  const out = normalizeOutput(output);
  const found = await inspectForDecoding(bytes, all);
  // JPEG output keeps the EXIF copyright tag and nothing else (Cloudflare's default `metadata: copyright`);
  // every other format keeps no metadata.
  const copyright = out.format === "image/jpeg" ? await readCopyright(bytes) : null;
  // One pipeline from decoder to encoder when the chain allows it (see fused()). 16-bit images take the
  // step-by-step path, which works in 8 bits from the start, so that both paths give the same pixels.
  if (fuse && found.kind !== "heic" && found.depth8 && tree.steps.length <= 1) {
    const [step] = tree.steps;
    const t = step === undefined ? null : "transform" in step ? step.transform : undefined;
    if (t === null || (t !== undefined && resizesOnly(t))) return fused(bytes, t, found, out, copyright, all);
  }
  const image = await render(tree, all, found);
  return encode(image, out, copyright, all);
}

/**
 * Decodes a node's image and runs its steps.
 * @param {import("./options.js").Node} node
 * @param {Limits} limits
 * @param {Found} [found]  what inspectForDecoding() said of node.bytes, when already asked
 * @returns {Promise<Pixels>}
 */
async function render(node, limits, found) {
  found ??= await inspectForDecoding(node.bytes, limits);
  let image = await decode(node.bytes, found.kind, limits);
  for (const step of node.steps) {
    if ("transform" in step) {
      image = await applyTransform(image, step.transform, limits);
    } else {
      const overlay = await render(step.draw.node, limits);
      image = await drawOverlay(image, overlay, step.draw.options);
    }
  }
  return image;
}

/**
 * @typedef {{ kind: import("./detect.js").Kind, width: number, height: number, alpha: boolean, depth8: boolean }} Found
 *   `alpha`: the decoded image has an alpha channel (always assumed for HEIC, which is decoded as RGBA);
 *   `depth8`: 8 bits per sample (false for 16-bit PNGs, and for HEIC)
 */

/** inspect() for an image about to be decoded: limits enforced, SVG refused. @param {Uint8Array} bytes @param {Limits} limits */
async function inspectForDecoding(bytes, limits) {
  const found = await inspect(bytes, limits, { enforceArea: true });
  if (found.kind === "svg") throw notAnImage("Conversion between SVG and raster formats is not supported.");
  return found;
}

/**
 * What the file is and the size it is shown at, from headers only. Refuses, before any decoding, files that
 * are too large by bytes, by area or by side.
 * @param {Uint8Array} bytes
 * @param {Limits} limits
 * @param {{ enforceArea: boolean }} options  info() reports the size of any image; decoding refuses large ones
 * @returns {Promise<Found>}
 */
async function inspect(bytes, limits, { enforceArea }) {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw notAnImage("The input is empty.");
  if (bytes.length > limits.maxInputBytes) {
    throw new ImagesError(CODES.FILE_TOO_LARGE, `The image file exceeds ${limits.maxInputBytes} bytes.`);
  }
  const kind = detectKind(bytes);
  if (!kind) {
    throw notAnImage("The input is not an image (JPEG, PNG, GIF, WebP, AVIF, HEIC or SVG), judged by its first bytes.");
  }
  if (kind === "svg") return { kind, width: 0, height: 0, alpha: false, depth8: false };

  let coded; // { width, height } as stored
  let swap; // shown rotated by 90°/270°
  let alpha = true;
  let depth8 = false;
  if (kind === "heic") {
    let layout;
    try {
      layout = readHeifLayout(bytes);
    } catch (error) {
      throw new ImagesError(CODES.CODEC, `Could not read the HEIF image: ${/** @type {Error} */ (error).message}`);
    }
    if (!layout.primarySize) throw new ImagesError(CODES.CODEC, "Could not read the HEIF image: no size (ispe) for it");
    // Every ispe counts: a grid's tiles or a hidden item are decoded too, and a file must not slip a huge
    // item past the check behind a small primary image.
    if (enforceArea && layout.largestPixels > limits.maxInputPixels) {
      throw tooLarge(`The image exceeds the maximum image area of ${limits.maxInputPixels} pixels.`);
    }
    coded = layout.primarySize;
    swap = layout.rotation % 180 !== 0;
  } else {
    let meta;
    try {
      meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    } catch (error) {
      throw new ImagesError(CODES.CODEC, `Could not read the image: ${/** @type {Error} */ (error).message}`);
    }
    if (!meta.width || !meta.height) throw new ImagesError(CODES.CODEC, "Could not read the image size.");
    // An animation's first frame is what gets decoded.
    coded = { width: meta.width, height: meta.pageHeight ?? meta.height };
    swap = (meta.orientation ?? 1) >= 5;
    alpha = meta.hasAlpha;
    depth8 = meta.depth === "uchar";
  }
  if (enforceArea) {
    if (coded.width * coded.height > limits.maxInputPixels) {
      throw tooLarge(
        `The image exceeds the maximum image area of ${limits.maxInputPixels} pixels (${coded.width}×${coded.height}).`,
      );
    }
    if (kind !== "webp" && kind !== "avif" && Math.max(coded.width, coded.height) > limits.maxInputSide) {
      throw tooLarge(
        `The image is larger than ${limits.maxInputSide} pixels on a side (${coded.width}×${coded.height}).`,
      );
    }
  }
  const shown = swap ? { width: coded.height, height: coded.width } : coded;
  return { kind, ...shown, alpha, depth8 };
}

/**
 * Encoded bytes → upright sRGB pixels (RGBA when the image has an alpha channel, else RGB). EXIF orientation is
 * applied here, before any transform, as Cloudflare does ("EXIF rotation is applied even if the metadata is
 * discarded"); colour profiles too.
 * @param {Uint8Array} bytes
 * @param {import("./detect.js").Kind} kind
 * @param {Limits} limits
 * @returns {Promise<Pixels>}
 */
async function decode(bytes, kind, limits) {
  if (kind === "heic") return { ...(await decodeHeif(bytes, limits)), channels: 4 };
  try {
    const { data, info } = await source(bytes, limits).toColourspace("srgb").raw({ depth: "uchar" }).toBuffer({
      resolveWithObject: true,
    });
    return checkedPixels(data, info);
  } catch (error) {
    if (error instanceof ImagesError) throw error;
    throw new ImagesError(CODES.CODEC, `Could not decode the image: ${/** @type {Error} */ (error).message}`);
  }
}

/**
 * One transform() call, in Cloudflare's order: trim → flip → rotate → resize (fit, gravity) → colour
 * adjustments → blur → sharpen → border → background.
 * @param {Pixels} image
 * @param {import("./options.js").Transform} t
 * @param {Limits} limits
 * @returns {Promise<Pixels>}
 */
async function applyTransform(image, t, limits) {
  if (t.trim) image = await trim(image, t.trim);
  if (t.flip) {
    const flip = t.flip;
    image = await run(pixels(image), (s) => {
      if (flip.includes("h")) s = s.flop(); // mirror left ↔ right
      if (flip.includes("v")) s = s.flip(); // mirror top ↔ bottom
      return s;
    });
  }
  // Clockwise, like sharp's rotate(); width/height below refer to the rotated axes.
  if (t.rotate) image = await run(pixels(image), (s) => s.rotate(t.rotate));
  image = await resize(image, t, limits);
  image = adjustColours(image, t);
  // Blur radius (1–250) → Gaussian sigma: radius / 2, so the radius spans two standard deviations (~95 % of
  // the kernel's weight). Cloudflare documents only "approximate gaussian" with a radius.
  if (t.blur > 0) image = await run(pixels(image), (s) => s.blur(Math.max(0.3, t.blur / 2)));
  // Sharpen 0–10 → libvips unsharp mask with sigma 1 and amounts that grow linearly (sharp's own defaults,
  // m1 = 1 and m2 = 2, correspond to sharpen 2).
  if (t.sharpen > 0) image = await run(pixels(image), (s) => s.sharpen({ sigma: 1, m1: t.sharpen / 2, m2: t.sharpen }));
  if (t.border) {
    const { color, top, right, bottom, left } = t.border;
    checkOutputSize(image.width + left + right, image.height + top + bottom, limits);
    if (top || right || bottom || left) {
      image = await run(pixels(image), (s) => s.extend({ top, right, bottom, left, background: color }));
    }
  }
  // "Background color to add underneath the image": shows through transparent pixels.
  if (t.background) image = await underlay(image, t.background);
  return image;
}

/**
 * Cloudflare's trim: pixels off each side (`top`, `right`, `bottom`, `left`), optionally a final `width` and
 * `height` measured from the new top-left corner, and/or `border`: cut the surrounding area of one colour.
 * @param {Pixels} image
 * @param {import("./options.js").Trim} trim
 * @returns {Promise<Pixels>}
 */
async function trim(image, trim) {
  const left = trim.left;
  const top = trim.top;
  const width = Math.min(trim.width ?? image.width - left - trim.right, image.width - left);
  const height = Math.min(trim.height ?? image.height - top - trim.bottom, image.height - top);
  if (width < 1 || height < 1) throw tooLarge("The image has width or height of size 0 after trim.");
  if (left || top || width !== image.width || height !== image.height) {
    image = await run(pixels(image), (s) => s.extract({ left, top, width, height }));
  }
  if (!trim.border) return image;

  const { color, tolerance, keep } = trim.border;
  // Cloudflare's tolerance: 255 = must match exactly, 0 = anything goes; libvips' threshold is the allowed
  // difference. Unset: libvips' default of 10. Colour unset: detected from the top-left pixel.
  const threshold = tolerance === null ? 10 : 255 - tolerance;
  let found;
  try {
    found = await pixels(image)
      .trim({ threshold, ...(color ? { background: color } : {}) })
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
  } catch {
    return image; // nothing but border: Cloudflare leaves such an image as it is
  }
  const x = -(found.info.trimOffsetLeft ?? 0);
  const y = -(found.info.trimOffsetTop ?? 0);
  // `keep` leaves that many pixels of the border on each side.
  const box = {
    left: Math.max(0, x - keep),
    top: Math.max(0, y - keep),
    right: Math.min(image.width, x + found.info.width + keep),
    bottom: Math.min(image.height, y + found.info.height + keep),
  };
  if (box.left === 0 && box.top === 0 && box.right === image.width && box.bottom === image.height) return image;
  return run(pixels(image), (s) =>
    s.extract({ left: box.left, top: box.top, width: box.right - box.left, height: box.bottom - box.top }),
  );
}

/**
 * @param {Pixels} image
 * @param {import("./options.js").Transform} t
 * @param {Limits} limits
 * @returns {Promise<Pixels>}
 */
async function resize(image, t, limits) {
  const resized = resizing(image, t, limits);
  return resized ? run(pixels(image), resized.ops) : image;
}

/**
 * A transform's resize (fit, gravity) of an image of `size` as sharp operations, with the size they give; null
 * when the image keeps its size. Refuses (9413) a result over the size limit.
 * @param {{ width: number, height: number }} size
 * @param {import("./options.js").Transform} t
 * @param {Limits} limits
 * @returns {null | { width: number, height: number, ops: (s: import("sharp").Sharp) => import("sharp").Sharp }}
 */
function resizing(size, t, limits) {
  // In fused(), libvips shrinks on load (JPEG DCT scaling, WebP) before resampling; `fastShrinkOnLoad: false`
  // leaves the last factor of 2 to Lanczos-3, so large reductions match the step-by-step path's pixels closely.
  const fill = /** @type {const} */ ({ fit: "fill", fastShrinkOnLoad: false });
  const plan = planResize(size, t);
  switch (plan.kind) {
    case "none":
      return null;
    case "scale":
      checkOutputSize(plan.width, plan.height, limits);
      if (plan.width === size.width && plan.height === size.height) return null;
      return {
        width: plan.width,
        height: plan.height,
        ops: (s) => s.resize(plan.width, plan.height, fill),
      };
    case "pad": {
      checkOutputSize(plan.canvasWidth, plan.canvasHeight, limits);
      // Cloudflare: pad fills with `background`, white by default (a translucent one adds an alpha channel).
      const background = t.background ?? WHITE;
      return {
        width: plan.canvasWidth,
        height: plan.canvasHeight,
        ops: (s) =>
          s.resize(plan.width, plan.height, fill).extend({
            left: plan.left,
            top: plan.top,
            right: plan.canvasWidth - plan.width - plan.left,
            bottom: plan.canvasHeight - plan.height - plan.top,
            background,
          }),
      };
    }
    case "crop": {
      checkOutputSize(plan.scaledWidth, plan.scaledHeight, limits);
      if (plan.strategy) {
        // sharp scales by max(w/W, h/H) — the same factor as the plan — and picks the window itself.
        const position = sharp.strategy[plan.strategy];
        return {
          width: plan.width,
          height: plan.height,
          ops: (s) => s.resize(plan.width, plan.height, { fit: "cover", position, fastShrinkOnLoad: false }),
        };
      }
      return {
        width: plan.width,
        height: plan.height,
        ops: (s) => {
          // extract() after resize() cuts from the resized image; without a resize, from the (oriented) input.
          if (plan.scaledWidth !== size.width || plan.scaledHeight !== size.height) {
            s = s.resize(plan.scaledWidth, plan.scaledHeight, fill);
          }
          return s.extract({ left: plan.left, top: plan.top, width: plan.width, height: plan.height });
        },
      };
    }
  }
}

/**
 * Whether a transform does nothing but resize (width, height, fit, gravity): what fused() can do.
 * @param {import("./options.js").Transform} t
 */
function resizesOnly(t) {
  return (
    t.trim === null &&
    t.flip === null &&
    t.rotate === 0 &&
    !changesColours(t) &&
    t.blur === 0 &&
    t.sharpen === 0 &&
    t.border === null &&
    t.background === null
  );
}

/**
 * The common case as one libvips pipeline: decode (shrinking on load where the format allows) → EXIF
 * orientation → the resize of `t` → sRGB → encode, without the step-by-step path's full-size pixel buffers.
 * Same operations, same order, so the same pixels. An input with an alpha channel goes through RGBA pixels
 * before encoding: whether any pixel is transparent (and so whether the output keeps alpha) is known only then.
 * @param {Uint8Array} bytes
 * @param {import("./options.js").Transform | null} t  a transform for which resizesOnly() holds, or none
 * @param {Found} found
 * @param {import("./options.js").Output} out
 * @param {string | null} copyright
 * @param {Limits} limits
 */
async function fused(bytes, t, found, out, copyright, limits) {
  const resized = t ? resizing(found, t, limits) : null;
  const width = resized?.width ?? found.width;
  const height = resized?.height ?? found.height;
  checkOutputSize(width, height, limits);
  let s = source(bytes, limits);
  if (resized) s = resized.ops(s);
  s = s.toColourspace("srgb");
  /** @type {Pixels} */
  let image;
  try {
    if (!found.alpha) {
      // No alpha channel: nothing to flatten or to keep (a JPEG's flatten() is a no-op kept for safety).
      if (out.format === "image/jpeg") s = s.flatten({ background: WHITE });
      const { data, info } = await encoder(s, out, width, height, copyright).toBuffer({ resolveWithObject: true });
      return { data, contentType: out.format, width: info.width, height: info.height };
    }
    const { data, info } = await s.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
    image = checkedPixels(data, info);
  } catch (error) {
    if (error instanceof ImagesError) throw error;
    throw new ImagesError(CODES.CODEC, `Could not convert the image: ${/** @type {Error} */ (error).message}`);
  }
  return encode(image, out, copyright, limits);
}

/**
 * Draws `overlay` on `base` (ImageDrawOptions): `opacity`, position from `top`/`left`/`bottom`/`right` edges
 * (centred on an axis with neither), `repeat` true (tiled over the whole image), "x" (a row) or "y" (a column).
 * Parts outside the base are cut off.
 * @param {Pixels} base
 * @param {Pixels} overlay
 * @param {import("./options.js").DrawOptions} options
 * @returns {Promise<Pixels>}
 */
async function drawOverlay(base, overlay, options) {
  const piece = scaleAlpha(overlay, options.opacity); // RGBA
  const W = base.width;
  const H = base.height;
  const w = piece.width;
  const h = piece.height;
  const x = options.left ?? (options.right !== undefined ? W - w - options.right : Math.floor((W - w) / 2));
  const y = options.top ?? (options.bottom !== undefined ? H - h - options.bottom : Math.floor((H - h) / 2));
  const xs = options.repeat === true || options.repeat === "x" ? tileStarts(x, w, W) : [x];
  const ys = options.repeat === true || options.repeat === "y" ? tileStarts(y, h, H) : [y];

  // One transparent layer the size of the base with every copy blitted in, composited once.
  const layer = Buffer.alloc(W * H * 4);
  let drawn = false;
  for (const ty of ys) {
    for (const tx of xs) drawn = blit(piece, layer, W, H, tx, ty) || drawn;
  }
  if (!drawn) return base;
  return run(pixels(base), (s) => s.composite([{ input: layer, raw: { width: W, height: H, channels: 4 } }]));
}

/** Tile origins along one axis: through `start`, every `step`, covering [0, full). */
function tileStarts(/** @type {number} */ start, /** @type {number} */ step, /** @type {number} */ full) {
  const first = start - Math.ceil(start / step) * step;
  const starts = [];
  for (let at = first; at < full; at += step) starts.push(at);
  return starts;
}

/**
 * Copies the RGBA pixels `src` into the RGBA buffer `dst` (W × H) at (x, y), clipped to it. Returns whether
 * anything landed.
 * @param {Pixels} src @param {Buffer} dst @param {number} W @param {number} H @param {number} x @param {number} y
 */
function blit(src, dst, W, H, x, y) {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(W, x + src.width);
  const y1 = Math.min(H, y + src.height);
  if (x1 <= x0 || y1 <= y0) return false;
  const rowBytes = (x1 - x0) * 4;
  for (let row = y0; row < y1; row++) {
    const from = ((row - y) * src.width + (x0 - x)) * 4;
    src.data.copy(dst, (row * W + x0) * 4, from, from + rowBytes);
  }
  return true;
}

/**
 * Pixels → the requested file. JPEG is flattened onto `background` (white by default), progressive except
 * under 50×50 or over 3000×3000 (Cloudflare's rule), and carries only the EXIF copyright. PNG uses a palette
 * (PNG8) only when a quality below 100 is asked for; WebP at quality 100 is lossless (both as documented).
 * An image with no transparent pixel is written without an alpha channel.
 * @param {Pixels} image
 * @param {import("./options.js").Output} out
 * @param {string | null} copyright
 * @param {Limits} limits
 */
async function encode(image, out, copyright, limits) {
  checkOutputSize(image.width, image.height, limits);
  if (out.background) image = await underlay(image, out.background);
  let s = pixels(image);
  if (image.channels === 4 && (out.format === "image/jpeg" || !hasTransparency(image))) {
    s = s.flatten({ background: WHITE }).removeAlpha();
  }
  s = encoder(s, out, image.width, image.height, copyright);
  try {
    const data = await s.toBuffer();
    return { data, contentType: out.format, width: image.width, height: image.height };
  } catch (error) {
    throw new ImagesError(CODES.CODEC, `Could not encode the image: ${/** @type {Error} */ (error).message}`, {
      status: 500,
    });
  }
}

/**
 * The output format and its options on a pipeline whose result is `width` × `height`.
 * @param {import("sharp").Sharp} s
 * @param {import("./options.js").Output} out
 * @param {number} width @param {number} height
 * @param {string | null} copyright
 */
function encoder(s, out, width, height, copyright) {
  const quality = out.quality ?? DEFAULT_QUALITY;
  switch (out.format) {
    case "image/jpeg": {
      const area = width * height;
      s = s.jpeg({ quality, progressive: area >= 50 * 50 && area <= 3000 * 3000 });
      return copyright ? s.withExif({ IFD0: { Copyright: copyright } }) : s;
    }
    case "image/png":
      return out.quality !== undefined && out.quality < 100 ? s.png({ palette: true, quality: out.quality }) : s.png();
    case "image/webp":
      return s.webp(quality === 100 ? { lossless: true } : { quality });
    case "image/avif":
      return s.avif({ quality });
    case "image/gif":
      // A new palette from the pixels, as for any other input (not a GIF input's own palette, which can bring
      // a transparent index into an opaque image).
      return s.gif({ reuse: false });
    default:
      throw badOptions(`unsupported output format ${out.format}`);
  }
}

/** The EXIF copyright of the input, if any (Cloudflare's `metadata: copyright`). @param {Uint8Array} bytes */
async function readCopyright(bytes) {
  try {
    const tags = await exifr.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      pick: ["Copyright"],
    });
    const value = tags?.Copyright;
    return typeof value === "string" && value.trim() !== "" ? value : null;
  } catch {
    return null;
  }
}

/**
 * `image` composited over a solid `color` (which may itself be translucent). An image without an alpha
 * channel covers it entirely: unchanged.
 * @param {Pixels} image @param {import("./color.js").Rgba} color
 */
async function underlay(image, color) {
  if (image.channels === 3) return image;
  const canvas = sharp({ create: { width: image.width, height: image.height, channels: 4, background: color } });
  return run(canvas, (s) =>
    s.composite([{ input: image.data, raw: { width: image.width, height: image.height, channels: 4 } }]),
  );
}

/** @param {number} width @param {number} height @param {Limits} limits */
function checkOutputSize(width, height, limits) {
  if (width > limits.maxOutputSide || height > limits.maxOutputSide) {
    throw tooLarge(
      `The image enlarged too much: ${width}×${height}, but the maximum dimension allowed is ${limits.maxOutputSide}.`,
    );
  }
}

/** The input file as a sharp pipeline: first frame, EXIF orientation applied. @param {Uint8Array} bytes @param {Limits} limits */
function source(bytes, limits) {
  return sharp(bytes, { limitInputPixels: limits.maxInputPixels, animated: false }).autoOrient();
}

/** A sharp pipeline reading our pixels (already size-checked, so no pixel limit here). @param {Pixels} image */
function pixels(image) {
  return sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: image.channels },
    limitInputPixels: false,
  });
}

/**
 * Runs `ops` on a pipeline and returns its pixels: RGB, or RGBA when the result has an alpha channel (an RGBA
 * input, a translucent `extend` background, a composite).
 * @param {import("sharp").Sharp} pipeline
 * @param {(s: import("sharp").Sharp) => import("sharp").Sharp} ops
 * @returns {Promise<Pixels>}
 */
async function run(pipeline, ops) {
  try {
    const { data, info } = await ops(pipeline).raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
    return checkedPixels(data, info);
  } catch (error) {
    if (error instanceof ImagesError) throw error;
    throw new ImagesError(CODES.INTERNAL, `Image processing failed: ${/** @type {Error} */ (error).message}`);
  }
}

/** @param {Buffer} data @param {import("sharp").OutputInfo} info @returns {Pixels} */
function checkedPixels(data, info) {
  if (info.channels !== 3 && info.channels !== 4) {
    throw new ImagesError(CODES.INTERNAL, `expected RGB or RGBA pixels, got ${info.channels} channels`);
  }
  return { data, width: info.width, height: info.height, channels: /** @type {3 | 4} */ (info.channels) };
}
