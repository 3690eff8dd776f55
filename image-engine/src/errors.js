// Errors the way Cloudflare Images reports them: a numeric code (the `err=` value of the `cf-images-binding` /
// `Cf-Resized` header, and `.code` on the binding's ImagesError) plus the HTTP status Cloudflare documents for it.
// Codes and statuses: https://developers.cloudflare.com/images/reference/errors/ and
// https://developers.cloudflare.com/images/reference/troubleshooting/ (9413 = "exceeds the maximum image area").

/** The codes this engine produces, with the status Cloudflare's error table gives each. */
export const CODES = {
  /** Missing or invalid transformation parameters. */
  BAD_OPTIONS: 9401,
  /** The file is too large (Cloudflare: 9402, 413, "file too large"). */
  FILE_TOO_LARGE: 9402,
  /** Not an image (also: a format Cloudflare does not read, such as TIFF; SVG ↔ raster conversion). */
  NOT_AN_IMAGE: 9412,
  /** Image area/dimension over the limit, or an output too large. */
  TOO_LARGE: 9413,
  /** Decoding or encoding failed. */
  CODEC: 9516,
  /** Internal error. */
  INTERNAL: 9523,
  /** A transformer was consumed twice (output() or draw() again). */
  CONSUMED: 9525,
};

/** @type {Record<number, number>} */
const STATUS = {
  9401: 400,
  9402: 413,
  9412: 415,
  9413: 403,
  9516: 422,
  9523: 500,
  9525: 400,
};

/** An error with a Cloudflare Images code. `status` is the HTTP status the engine answers it with. */
export class ImagesError extends Error {
  /**
   * @param {number} code
   * @param {string} message
   * @param {{ status?: number, cause?: unknown }} [options]
   */
  constructor(code, message, { status, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "ImagesError";
    this.code = code;
    this.status = status ?? STATUS[code] ?? (code >= 9500 ? 500 : 400);
  }
}

/** @param {string} message */
export const badOptions = (message) => new ImagesError(CODES.BAD_OPTIONS, message);
/** @param {string} message */
export const notAnImage = (message) => new ImagesError(CODES.NOT_AN_IMAGE, message);
/** @param {string} message */
export const tooLarge = (message) => new ImagesError(CODES.TOO_LARGE, message);
