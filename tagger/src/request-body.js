import { badRequest, payloadTooLarge, unsupportedMediaType } from "./problem.js";

/**
 * Reads the whole request body, refusing (413) anything above `limit` bytes — early from
 * Content-Length when it is declared, otherwise as soon as the stream passes the limit.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} limit
 * @returns {Promise<Buffer>}
 */
export async function readBody(req, limit) {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw payloadTooLarge(limit);
  /** @type {Buffer[]} */
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw payloadTooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The encoded image inside a /run request, accepted the ways env.AI.run accepts it:
 * JSON `{"image": number[]}` (each a byte 0–255), or the raw file bytes.
 * @param {string | undefined} contentTypeHeader
 * @param {Buffer} body
 * @returns {Uint8Array}
 */
export function imageBytesFromBody(contentTypeHeader, body) {
  const contentType = (contentTypeHeader ?? "").split(";")[0].trim().toLowerCase();
  if (contentType === "application/json" || contentType.endsWith("+json")) return imageFromJson(body);
  if (contentType === "" || contentType === "application/octet-stream" || contentType.startsWith("image/")) {
    if (body.length === 0) throw badRequest("The request body is empty; send the image file bytes.");
    return body;
  }
  throw unsupportedMediaType(contentType);
}

/** @param {Buffer} body */
function imageFromJson(body) {
  let input;
  try {
    input = JSON.parse(body.toString("utf8"));
  } catch {
    throw badRequest('The body is not valid JSON. Send {"image": [byte, …]} with the file bytes as numbers 0–255.');
  }
  const image = input?.image;
  if (!Array.isArray(image)) {
    throw badRequest('The JSON body needs an "image" array: the encoded file bytes as numbers 0–255.');
  }
  if (image.length === 0) throw badRequest('"image" is empty.');
  const bytes = new Uint8Array(image.length);
  for (let i = 0; i < image.length; i++) {
    const value = image[i];
    if (!Number.isInteger(value) || value < 0 || value > 255) {
      throw badRequest(`"image[${i}]" must be an integer 0–255 (a byte of the encoded file).`);
    }
    bytes[i] = value;
  }
  return bytes;
}
