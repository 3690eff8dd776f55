import sharp from "sharp";
import { shortestEdgeSize } from "./preprocessor.js";
import { invalidImage } from "./problem.js";

/** Formats Workers AI users send; anything else sharp might decode (SVG, TIFF, …) is refused. */
const ACCEPTED_FORMATS = new Set(["jpeg", "png", "webp", "gif"]);

/**
 * Decodes an encoded image (first frame of a GIF/animated WebP), resizes, centre-crops and
 * normalises it into a channels-first float32 tensor, as the model's preprocessor config says.
 * Throws a 400 Problem when the bytes are not an accepted, decodable image.
 *
 * @param {Uint8Array} bytes
 * @param {import('./preprocessor.js').Preprocessing} pre
 * @param {{ maxInputPixels: number }} limits
 * @returns {Promise<{ data: Float32Array, dims: [1, 3, number, number] }>}
 */
export async function imageToTensor(bytes, pre, limits) {
  if (bytes.length === 0) throw invalidImage("The image is empty.");
  const options = { limitInputPixels: limits.maxInputPixels, failOn: /** @type {const} */ ("error"), autoOrient: true };

  let meta;
  try {
    meta = await sharp(bytes, options).metadata();
  } catch {
    throw invalidImage("The bytes are not a decodable image. Send a JPEG, PNG, WebP or GIF file.");
  }
  if (!meta.format || !ACCEPTED_FORMATS.has(meta.format)) {
    throw invalidImage(`Image format "${meta.format}" is not accepted. Send a JPEG, PNG, WebP or GIF file.`);
  }
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw invalidImage("The image has no size.");
  if (width * height > limits.maxInputPixels) {
    throw invalidImage(`The image is ${width}×${height}; at most ${limits.maxInputPixels} pixels are accepted.`);
  }

  // Pass 1: decode to 8-bit sRGB and DROP alpha first, like PIL's convert("RGB") in transformers
  // (resizing with alpha would premultiply and shift colours by a level).
  let rgb;
  try {
    rgb = await sharp(bytes, options)
      .toColourspace("srgb")
      .removeAlpha()
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
  } catch {
    throw invalidImage("The image could not be decoded (corrupt or truncated data).");
  }
  if (rgb.info.channels !== 3) throw invalidImage("The image could not be converted to RGB.");

  // Pass 2: shortest edge → resizeShortestEdge, then the centre crop.
  const resized = shortestEdgeSize(rgb.info.width, rgb.info.height, pre.resizeShortestEdge);
  const crop = pre.cropSize;
  const raw = await sharp(rgb.data, { raw: { width: rgb.info.width, height: rgb.info.height, channels: 3 } })
    .resize(resized.width, resized.height, { fit: "fill", kernel: pre.kernel })
    .extract({
      left: Math.floor((resized.width - crop) / 2),
      top: Math.floor((resized.height - crop) / 2),
      width: crop,
      height: crop,
    })
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });
  if (raw.info.channels !== 3 || raw.info.width !== crop || raw.info.height !== crop) {
    throw new Error(`resize produced ${raw.info.width}×${raw.info.height}×${raw.info.channels}`);
  }
  return { data: toNormalisedChw(raw.data, crop * crop, pre), dims: [1, 3, crop, crop] };
}

/**
 * Interleaved RGB bytes (HWC) → planar float32 (CHW): (value × rescale − mean[c]) / std[c].
 * @param {Uint8Array} rgb
 * @param {number} pixels
 * @param {import('./preprocessor.js').Preprocessing} pre
 */
export function toNormalisedChw(rgb, pixels, pre) {
  const out = new Float32Array(3 * pixels);
  for (let c = 0; c < 3; c++) {
    const scale = pre.rescale / pre.std[c];
    const offset = pre.mean[c] / pre.std[c];
    const plane = c * pixels;
    for (let i = 0; i < pixels; i++) out[plane + i] = rgb[i * 3 + c] * scale - offset;
  }
  return out;
}
