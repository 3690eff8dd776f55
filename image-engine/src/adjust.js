// The colour adjustments of a transform, applied to 8-bit RGB or RGBA pixels (alpha untouched), with the meanings
// Cloudflare documents (https://developers.cloudflare.com/images/optimization/features/):
//   brightness b  multiplier: 1 = unchanged, 0.5 half as bright, 2 twice      v' = v·b
//   contrast c    multiplier around mid-grey: 1 = unchanged                    v' = (v − 127.5)·c + 127.5
//   gamma g       "exposure": 1 = unchanged, 0.5 darkens, 2 lightens           v' = 255·(v/255)^(1/g)
//   saturation s  multiplier: 1 = unchanged, 0 = grayscale, 2 twice            c' = L + s·(c − L)
// These are the CSS filter definitions (brightness(), contrast(), saturate() with Rec. 709 luma
// L = 0.2126 R + 0.7152 G + 0.0722 B). For brightness, contrast and gamma, 0 means "ignored" (Cloudflare).
// Cloudflare does not publish its formulas: values are faithful in direction and scale, not bit-exact.

/**
 * @typedef {{ data: Buffer, width: number, height: number, channels: 3 | 4 }} Pixels  RGB or RGBA, 8 bits
 */

/**
 * @param {Pixels} image
 * @param {{ brightness?: number, contrast?: number, gamma?: number, saturation?: number }} options
 * @returns {Pixels}  a new image (or the same one when nothing applies)
 */
export function adjustColours(image, options) {
  if (!changesColours(options)) return image;
  const brightness = active(options.brightness) ? options.brightness : 1;
  const contrast = active(options.contrast) ? options.contrast : 1;
  const gamma = active(options.gamma) ? options.gamma : 1;
  const saturation = options.saturation ?? 1;
  const curve = brightness !== 1 || contrast !== 1 || gamma !== 1;

  // Point operations compose into one table: brightness, then contrast, then gamma.
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    let x = v * brightness;
    x = (x - 127.5) * contrast + 127.5;
    x = clamp(x);
    if (gamma !== 1) x = 255 * (x / 255) ** (1 / gamma);
    lut[v] = Math.round(clamp(x));
  }

  const src = image.data;
  const step = image.channels;
  // Alpha (RGBA) is copied as it is; the loop below writes only R, G and B.
  const out = step === 4 ? Buffer.from(src) : Buffer.allocUnsafe(src.length);
  for (let i = 0; i < src.length; i += step) {
    let r = src[i];
    let g = src[i + 1];
    let b = src[i + 2];
    if (curve) {
      r = lut[r];
      g = lut[g];
      b = lut[b];
    }
    if (saturation !== 1) {
      const luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      r = Math.round(clamp(luma + saturation * (r - luma)));
      g = Math.round(clamp(luma + saturation * (g - luma)));
      b = Math.round(clamp(luma + saturation * (b - luma)));
    }
    out[i] = r;
    out[i + 1] = g;
    out[i + 2] = b;
  }
  return { data: out, width: image.width, height: image.height, channels: image.channels };
}

/**
 * RGBA pixels with the alpha channel multiplied by `opacity` (0–1): a drawn overlay's `opacity`.
 * @param {Pixels} image @param {number} opacity @returns {Pixels}
 */
export function scaleAlpha(image, opacity) {
  const rgba = withAlpha(image);
  if (opacity >= 1) return rgba;
  const out = rgba === image ? Buffer.from(image.data) : rgba.data;
  for (let i = 3; i < out.length; i += 4) out[i] = Math.round(out[i] * opacity);
  return { data: out, width: image.width, height: image.height, channels: 4 };
}

/** The image as RGBA: RGB pixels get an opaque alpha channel. @param {Pixels} image @returns {Pixels} */
export function withAlpha(image) {
  if (image.channels === 4) return image;
  const src = image.data;
  const out = Buffer.allocUnsafe((src.length / 3) * 4);
  for (let i = 0, o = 0; i < src.length; i += 3, o += 4) {
    out[o] = src[i];
    out[o + 1] = src[i + 1];
    out[o + 2] = src[i + 2];
    out[o + 3] = 255;
  }
  return { data: out, width: image.width, height: image.height, channels: 4 };
}

/** True when any pixel is not fully opaque (never for RGB). @param {Pixels} image */
export function hasTransparency(image) {
  if (image.channels !== 4) return false;
  const data = image.data;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return true;
  return false;
}

/**
 * Whether any adjustment takes effect (otherwise adjustColours returns the image as it is).
 * @param {{ brightness?: number, contrast?: number, gamma?: number, saturation?: number }} options
 */
export function changesColours(options) {
  return (
    active(options.brightness) ||
    active(options.contrast) ||
    active(options.gamma) ||
    (options.saturation !== undefined && options.saturation !== 1)
  );
}

/**
 * A number option that takes effect: set, and not the documented "0 is ignored".
 * @param {number | undefined} v
 * @returns {v is number}
 */
function active(v) {
  return v !== undefined && v !== 0 && v !== 1;
}

/** @param {number} x */
function clamp(x) {
  return x < 0 ? 0 : Math.min(x, 255);
}
