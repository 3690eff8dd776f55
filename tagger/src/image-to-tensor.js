import { decodeRgb, resizeRgb } from "./decode-image.js";
import { shortestEdgeSize } from "./preprocessor.js";

/**
 * Decodes an encoded image, resizes, centre-crops and normalises it into a channels-first float32
 * tensor, as the ResNet-50 preprocessor config says. Throws a 400 Problem when the bytes are not an
 * accepted, decodable image.
 *
 * @param {Uint8Array} bytes
 * @param {import('./preprocessor.js').Preprocessing} pre
 * @param {{ maxInputPixels: number }} limits
 * @returns {Promise<{ data: Float32Array, dims: [1, 3, number, number] }>}
 */
export async function imageToTensor(bytes, pre, limits) {
  const rgb = await decodeRgb(bytes, limits);
  // Shortest edge → resizeShortestEdge, then the centre crop.
  const resized = shortestEdgeSize(rgb.width, rgb.height, pre.resizeShortestEdge);
  const crop = pre.cropSize;
  const raw = await resizeRgb(rgb, resized.width, resized.height, {
    kernel: pre.kernel,
    crop: {
      left: Math.floor((resized.width - crop) / 2),
      top: Math.floor((resized.height - crop) / 2),
      width: crop,
      height: crop,
    },
  });
  return { data: toNormalisedChw(raw, crop * crop, pre), dims: [1, 3, crop, crop] };
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
