import sharp from "sharp";
import { invalidImage } from "./problem.js";

/** Formats Workers AI users send; anything else sharp might decode (SVG, TIFF, …) is refused. */
const ACCEPTED_FORMATS = new Set(["jpeg", "png", "webp", "gif"]);

/**
 * Decodes an encoded image (first frame of a GIF/animated WebP, EXIF orientation applied) into
 * interleaved 8-bit sRGB. Throws a 400 Problem when the bytes are not an accepted, decodable image.
 *
 * @param {Uint8Array} bytes
 * @param {{ maxInputPixels: number }} limits
 * @returns {Promise<{ data: Buffer, width: number, height: number }>}
 */
export async function decodeRgb(bytes, limits) {
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

  // Alpha is DROPPED before any resizing, like PIL's convert("RGB") in transformers
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
  return { data: rgb.data, width: rgb.info.width, height: rgb.info.height };
}

/**
 * Resizes decoded RGB to exactly width × height (aspect ratio not kept) and returns the raw bytes.
 * @param {{ data: Buffer, width: number, height: number }} rgb
 * @param {number} width
 * @param {number} height
 * @param {{ kernel?: 'nearest'|'linear'|'cubic'|'lanczos3', crop?: { left: number, top: number, width: number, height: number } }} [options]
 * @returns {Promise<Buffer>}
 */
export async function resizeRgb(rgb, width, height, { kernel, crop } = {}) {
  let pipeline = sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } }).resize(width, height, {
    fit: "fill",
    kernel,
  });
  if (crop) pipeline = pipeline.extract(crop);
  const out = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  const expected = crop ?? { width, height };
  if (out.info.channels !== 3 || out.info.width !== expected.width || out.info.height !== expected.height) {
    throw new Error(`resize produced ${out.info.width}×${out.info.height}×${out.info.channels}`);
  }
  return out.data;
}
