import { internalError, methodNotAllowed, notFound, Problem } from "./problem.js";
import { imageBytesFromBody, readBody } from "./request-body.js";

/** Names the model behind an answer ("resnet-50-onnx" or "centernet-coco80"); the body keeps the Workers AI shape. */
export const MODEL_HEADER = "x-tagger-model";

/**
 * The HTTP routes: POST /run (Workers AI resnet-50 contract) and GET /health.
 * @param {import('./tagger.js').Tagger} tagger
 * @param {{ maxBodyBytes: number }} limits
 * @param {(message: string) => void} log
 * @returns {import('node:http').RequestListener}
 */
export function createApp(tagger, limits, log) {
  return async (req, res) => {
    const path = new URL(req.url ?? "/", "http://tagger").pathname;
    try {
      if (path === "/run") {
        if (req.method !== "POST") throw methodNotAllowed(req.method ?? "?", "POST");
        const body = await readBody(req, limits.maxBodyBytes);
        const { tags, model } = await tagger.tag(imageBytesFromBody(req.headers["content-type"], body));
        return sendJson(res, 200, tags, { [MODEL_HEADER]: model });
      }
      if (path === "/health") {
        if (req.method !== "GET" && req.method !== "HEAD") throw methodNotAllowed(req.method ?? "?", "GET, HEAD");
        const health = await tagger.freshHealth();
        return sendJson(res, 200, health, health.model ? { [MODEL_HEADER]: health.model.name } : {});
      }
      throw notFound(path);
    } catch (error) {
      if (!(error instanceof Problem))
        log(`unexpected error on ${req.method} ${path}: ${error instanceof Error ? error.stack : error}`);
      const problem = error instanceof Problem ? error : internalError();
      sendProblem(res, problem);
    }
  };
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} value
 * @param {Record<string, string>} [headers]
 */
function sendJson(res, status, value, headers = {}) {
  send(res, status, "application/json", JSON.stringify(value), headers);
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {Problem} problem
 */
function sendProblem(res, problem) {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  send(res, problem.status, "application/problem+json", JSON.stringify(problem));
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} contentType
 * @param {string} text
 * @param {Record<string, string>} [headers]
 */
function send(res, status, contentType, text, headers = {}) {
  if (res.headersSent) return res.destroy();
  res.writeHead(status, {
    ...headers,
    "content-type": `${contentType}; charset=utf-8`,
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(res.req.method === "HEAD" ? undefined : text);
}
