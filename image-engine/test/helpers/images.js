// Judging outputs by their pixels: small grayscale thumbnails compared by mean absolute difference (0–255),
// sharpness by the variance of the Laplacian, brightness by mean luminance.
import sharp from "sharp";

/**
 * A `size` × `size` grayscale thumbnail of any image file (or RGBA pixels), stretched to fill.
 * @param {Uint8Array | import("sharp").Sharp} image @param {number} [size]
 */
export async function thumb(image, size = 32) {
  const s = image instanceof Uint8Array ? sharp(image) : image;
  return s.resize(size, size, { fit: "fill" }).greyscale().raw().toBuffer();
}

/** Mean absolute difference of two equal-length byte arrays. @param {Uint8Array} a @param {Uint8Array} b */
export function mad(a, b) {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** MAD between the thumbnails of two images. @param {Uint8Array | import("sharp").Sharp} a @param {Uint8Array | import("sharp").Sharp} b */
export async function difference(a, b, size = 32) {
  return mad(await thumb(a, size), await thumb(b, size));
}

/** Decoded pixels of a file: { data, info } with `channels` as stored. @param {Uint8Array} bytes */
export async function pixels(bytes) {
  return sharp(bytes).raw().toBuffer({ resolveWithObject: true });
}

/** Width and height of an encoded image. @param {Uint8Array} bytes */
export async function size(bytes) {
  const { width, height } = await sharp(bytes).metadata();
  return { width, height };
}

/** Mean luminance 0–255. @param {Uint8Array} bytes */
export async function meanLuma(bytes) {
  const data = await sharp(bytes).greyscale().raw().toBuffer();
  let sum = 0;
  for (const v of data) sum += v;
  return sum / data.length;
}

/** Variance of the 4-neighbour Laplacian of the grayscale image: high = sharp detail. @param {Uint8Array} bytes */
export async function laplacianVariance(bytes) {
  const { data, info } = await sharp(bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
  const { width: w, height: h } = info;
  const values = [];
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      values.push(data[i - 1] + data[i + 1] + data[i - w] + data[i + w] - 4 * data[i]);
    }
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
}

/**
 * A JPEG whose stored pixels are `upright` transformed so that EXIF orientation `o` shows them upright again
 * (what a camera writes). Each step is its own pipeline: sharp would reorder them inside one.
 * @param {Uint8Array} upright @param {1 | 2 | 3 | 4 | 5 | 6 | 7 | 8} o
 */
export async function orientedJpeg(upright, o) {
  /** @type {Record<typeof o, ((s: import("sharp").Sharp) => import("sharp").Sharp)[]>} */
  const byOrientation = {
    1: [],
    2: [(s) => s.flop()],
    3: [(s) => s.rotate(180)],
    4: [(s) => s.flip()],
    5: [(s) => s.rotate(90), (s) => s.flop()], // transpose
    6: [(s) => s.rotate(270)],
    7: [(s) => s.rotate(90), (s) => s.flip()], // transverse
    8: [(s) => s.rotate(90)],
  };
  const steps = byOrientation[o];
  let bytes = await sharp(upright).png().toBuffer();
  for (const step of steps) bytes = await step(sharp(bytes)).png().toBuffer();
  return sharp(bytes).jpeg({ quality: 95 }).withMetadata({ orientation: o }).toBuffer();
}
