import sharp from "sharp";

/** Formats the tagger must accept, with encoder options for solid-colour test images. */
export const FORMATS = /** @type {const} */ ({
  jpeg: { quality: 90 },
  png: {},
  webp: { lossless: true },
  gif: {},
});

/**
 * @param {keyof typeof FORMATS} format
 * @param {number[]} rgb
 * @param {{ width?: number, height?: number }} [size]
 * @returns {Promise<Buffer<ArrayBuffer>>}
 */
export function solidImage(format, [r, g, b], { width = 320, height = 240 } = {}) {
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    [format](FORMATS[format])
    .toBuffer();
}

/**
 * A wide PNG whose centre is one colour and whose left/right quarters are another: after
 * "shortest edge 256, centre crop 224" only the centre colour is left.
 * @param {number[]} centre
 * @param {number[]} sides
 */
export async function bandedImage(centre, sides) {
  const [width, height, band] = [400, 200, 100];
  const side = {
    create: {
      width: band,
      height,
      channels: /** @type {const} */ (3),
      background: { r: sides[0], g: sides[1], b: sides[2] },
    },
  };
  return sharp({ create: { width, height, channels: 3, background: { r: centre[0], g: centre[1], b: centre[2] } } })
    .composite([
      { input: side, left: 0, top: 0 },
      { input: side, left: width - band, top: 0 },
    ])
    .png()
    .toBuffer();
}
