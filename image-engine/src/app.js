// HTTP routes of the engine. Errors answer JSON { code, message } with Cloudflare's code, the HTTP status
// Cloudflare documents for it, and the `cf-images-binding: err=<code>` header that Cloudflare's binding backend
// sets (the Worker-side client, binding.ts, reads the code from it, as workerd's own binding does).
//   GET  /health
//   POST /info       multipart (field `image`) or the raw file as the body  → { format, fileSize, width, height }
//   POST /transform  multipart, see wire.js                                → the image, Content-Type = format

import { createRequire } from "node:module";
import sharp from "sharp";
import { info, transform } from "./engine.js";
import { badOptions, CODES, ImagesError } from "./errors.js";
import { readTransformForm } from "./wire.js";

const LIBHEIF_JS_VERSION = createRequire(import.meta.url)("libheif-js/package.json").version;

/**
 * @param {import("./config.js").EngineConfig} config
 * @param {(message: string) => void} log
 * @returns {import("node:http").RequestListener}
 */
export function createApp(config, log) {
  const gate = createGate(config.concurrency, config.maxQueue);

  return async (req, res) => {
    const started = performance.now();
    const path = new URL(req.url ?? "/", "http://engine").pathname;
    try {
      if (path === "/health") {
        if (req.method !== "GET" && req.method !== "HEAD")
          return sendPlainError(res, 405, "Use GET /health.", { allow: "GET" });
        return sendJson(res, 200, {
          status: "ok",
          service: "imagifyai-image-engine",
          versions: { sharp: sharp.versions.sharp, libvips: sharp.versions.vips, "libheif-js": LIBHEIF_JS_VERSION },
          limits: config.limits,
        });
      }
      if (path !== "/info" && path !== "/transform") {
        return sendPlainError(res, 404, `No route for ${path}. Use POST /transform, POST /info or GET /health.`);
      }
      if (req.method !== "POST") return sendPlainError(res, 405, `Use POST ${path}.`, { allow: "POST" });

      const body = await readBody(req, config.maxBodyBytes);
      const contentType = req.headers["content-type"] ?? "";
      const release = await gate();
      try {
        if (path === "/info") {
          const bytes = contentType.startsWith("multipart/form-data")
            ? await formImage(await parseForm(body, contentType))
            : body;
          return sendJson(res, 200, withWireFields(await info(bytes, { limits: config.limits })));
        }
        if (!contentType.startsWith("multipart/form-data")) {
          throw badOptions(
            "POST /transform takes multipart/form-data (image, draw_image…, transforms, output_format…)",
          );
        }
        const request = await readTransformForm(await parseForm(body, contentType));
        const result = await transform(request.bytes, request.steps, request.output, { limits: config.limits });
        res.writeHead(200, { "content-type": result.contentType, "content-length": result.data.length });
        res.end(result.data);
        log(
          `${path} ${result.width}×${result.height} ${result.contentType} ${result.data.length} B in ${Math.round(performance.now() - started)} ms`,
        );
      } finally {
        release();
      }
    } catch (error) {
      if (error instanceof ImagesError) {
        if (error.code >= 9500) log(`${path} failed: ${error.code} ${error.message}`);
        return sendImagesError(res, error);
      }
      log(`${path} failed unexpectedly: ${error instanceof Error ? error.stack : error}`);
      return sendImagesError(
        res,
        new ImagesError(CODES.INTERNAL, "The image engine failed unexpectedly; see its log."),
      );
    }
  };
}

/**
 * At most `concurrency` requests decode at once (a 12-megapixel image is ~50 MB of pixels per step); up to
 * `maxQueue` more wait; beyond that: 9522, Cloudflare's "service is too busy", status 503.
 * @param {number} concurrency @param {number} maxQueue
 */
function createGate(concurrency, maxQueue) {
  let running = 0;
  /** @type {(() => void)[]} */
  const waiting = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return async () => {
    if (running < concurrency) {
      running++;
      return release;
    }
    if (waiting.length >= maxQueue)
      throw new ImagesError(9522, "The image engine is too busy; retry shortly.", { status: 503 });
    await new Promise((resolve) => waiting.push(() => resolve(undefined)));
    return release;
  };
}

/** info() plus `file_size`, the field name workerd's own binding reads from its backend. */
function withWireFields(/** @type {Record<string, unknown>} */ result) {
  return "fileSize" in result ? { ...result, file_size: result.fileSize } : result;
}

/**
 * @param {import("node:http").IncomingMessage} req
 * @param {number} limit
 */
async function readBody(req, limit) {
  const tooLarge = () => new ImagesError(CODES.FILE_TOO_LARGE, `The request body exceeds ${limit} bytes.`);
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  /** @type {Buffer[]} */
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Multipart parsing by undici (Node's fetch implementation). @param {Buffer} body @param {string} contentType */
async function parseForm(body, contentType) {
  try {
    // A Buffer from Buffer.concat sits on a plain ArrayBuffer (never a SharedArrayBuffer, which a body cannot be).
    const bytes = new Uint8Array(/** @type {ArrayBuffer} */ (body.buffer), body.byteOffset, body.byteLength);
    return await new Request("http://engine/", {
      method: "POST",
      headers: { "content-type": contentType },
      body: bytes,
    }).formData();
  } catch {
    throw badOptions("The multipart/form-data body could not be parsed.");
  }
}

/** @param {FormData} form */
async function formImage(form) {
  const entry = form.get("image");
  if (entry === null || typeof entry === "string") throw badOptions("The form has no image file field.");
  return new Uint8Array(await entry.arrayBuffer());
}

/** @param {import("node:http").ServerResponse} res @param {ImagesError} error */
function sendImagesError(res, error) {
  sendJson(
    res,
    error.status,
    { code: error.code, message: error.message },
    { "cf-images-binding": `err=${error.code}` },
  );
}

/** Not a Cloudflare error (wrong URL or method): no code, so a client treats it as the service's failure. */
function sendPlainError(
  /** @type {import("node:http").ServerResponse} */ res,
  /** @type {number} */ status,
  /** @type {string} */ message,
  /** @type {Record<string, string>} */ headers = {},
) {
  sendJson(res, status, { code: null, message }, headers);
}

/**
 * @param {import("node:http").ServerResponse} res @param {number} status @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function sendJson(res, status, body, headers = {}) {
  if (res.headersSent) return res.destroy();
  const text = JSON.stringify(body);
  // After a refused upload the rest of the body may still be arriving: close rather than read it.
  const close = status === 413 ? { connection: "close" } : {};
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...close,
    ...headers,
  });
  res.end(text);
}
