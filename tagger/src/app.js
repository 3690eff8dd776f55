import { internalError, methodNotAllowed, notFound, Problem } from "./problem.js";
import { imageBytesFromBody, readBody } from "./request-body.js";

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
        const tags = await tagger.tag(imageBytesFromBody(req.headers["content-type"], body));
        return sendJson(res, 200, tags);
      }
      if (path === "/health") {
        if (req.method !== "GET" && req.method !== "HEAD") throw methodNotAllowed(req.method ?? "?", "GET, HEAD");
        return sendJson(res, 200, await tagger.freshHealth());
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
 */
function sendJson(res, status, value) {
  send(res, status, "application/json", JSON.stringify(value));
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
 */
function send(res, status, contentType, text) {
  if (res.headersSent) return res.destroy();
  res.writeHead(status, {
    "content-type": `${contentType}; charset=utf-8`,
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(res.req.method === "HEAD" ? undefined : text);
}
