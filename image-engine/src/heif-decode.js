// HEIC/HEIF decoding with libheif-js (libheif + libde265 compiled to WebAssembly, LGPL-3.0): sharp's prebuilt
// libvips has no HEVC decoder. The primary image is decoded to interleaved RGBA; libheif applies the item's
// transformations (irot rotation, imir mirror, clap crop) by default, so the pixels come out as the image is
// shown. Any EXIF orientation inside a HEIF is ignored, as the HEIF specification and libheif do (Apple writes
// it in agreement with irot; applying both would rotate twice).
import { createRequire } from "node:module";
import { CODES, ImagesError, tooLarge } from "./errors.js";

/** @type {any} */
let libheif = null;

/** The WebAssembly module, loaded on the first HEIC (≈ 2 MB to compile; most requests never need it). */
function load() {
  libheif ??= createRequire(import.meta.url)("libheif-js/wasm-bundle");
  return libheif;
}

/** libheif's version string, for /health. */
export function libheifVersion() {
  return String(load().heif_get_version());
}

/**
 * @param {Uint8Array} bytes  a HEIF file whose declared sizes the caller has already checked (heif-boxes.js)
 * @param {{ maxInputPixels: number }} limits  checked once more against the decoder's own view of the size
 * @returns {Promise<{ data: Buffer, width: number, height: number }>}  RGBA, 8 bits per channel
 */
export async function decodeHeif(bytes, limits) {
  const heif = load();
  const context = heif.heif_context_alloc();
  if (!context) throw new ImagesError(CODES.INTERNAL, "libheif could not allocate a decoding context");
  try {
    const read = heif.heif_context_read_from_memory(context, bytes);
    if (read.code !== heif.heif_error_code.heif_error_Ok) {
      throw new ImagesError(CODES.CODEC, `Could not decode the HEIF image: ${read.message}`);
    }
    const handle = heif.heif_js_context_get_primary_image_handle(context);
    if (!handle || handle.code) throw new ImagesError(CODES.CODEC, "Could not decode the HEIF image: no primary image");
    try {
      // The size after transformations (what decoding will produce).
      const width = heif.heif_image_handle_get_width(handle);
      const height = heif.heif_image_handle_get_height(handle);
      if (!(width > 0 && height > 0))
        throw new ImagesError(CODES.CODEC, "Could not decode the HEIF image: empty image");
      if (width * height > limits.maxInputPixels) {
        throw tooLarge(
          `The image exceeds the maximum image area of ${limits.maxInputPixels} pixels (${width}×${height}).`,
        );
      }
      // What libheif-js's HeifImage.display() does, minus its console logging: decode to interleaved RGBA
      // (transformations applied: default decoding options) and copy the rows out of wasm memory.
      const decoded = await heif.heif_js_decode_image2(
        handle,
        heif.heif_colorspace.heif_colorspace_RGB,
        heif.heif_chroma.heif_chroma_interleaved_RGBA,
      );
      if (!decoded || decoded.code) {
        throw new ImagesError(CODES.CODEC, `Could not decode the HEIF image: ${decoded?.message ?? "decoder error"}`);
      }
      try {
        const plane = decoded.channels.find(
          (/** @type {any} */ c) => c.id === heif.heif_channel.heif_channel_interleaved,
        );
        if (!plane || plane.width !== width || plane.height !== height) {
          throw new ImagesError(CODES.CODEC, "Could not decode the HEIF image: unexpected pixel layout");
        }
        const data = Buffer.allocUnsafe(width * height * 4);
        const rowBytes = width * 4;
        for (let row = 0; row < height; row++) {
          data.set(plane.data.subarray(row * plane.stride, row * plane.stride + rowBytes), row * rowBytes);
        }
        return { data, width, height };
      } finally {
        heif.heif_image_release(decoded.image);
      }
    } finally {
      heif.heif_image_handle_release(handle);
    }
  } finally {
    heif.heif_context_free(context);
  }
}
