/**
 * An error that maps onto an RFC 9457 problem+json response. Only `detail` reaches the client;
 * stack traces never do.
 */
export class Problem extends Error {
  /**
   * @param {number} status
   * @param {string} slug    short machine name, becomes `type: "urn:imagifyai:tagger:<slug>"`
   * @param {string} title   short human summary, fixed per slug
   * @param {string} detail  what went wrong with this request and what to do about it
   * @param {Record<string, string>} [headers]
   */
  constructor(status, slug, title, detail, headers = {}) {
    super(detail);
    this.status = status;
    this.type = `urn:imagifyai:tagger:${slug}`;
    this.title = title;
    this.detail = detail;
    this.headers = headers;
  }

  toJSON() {
    return { type: this.type, title: this.title, status: this.status, detail: this.detail };
  }
}

/** @param {string} detail */
export const badRequest = (detail) => new Problem(400, "bad-request", "Bad request", detail);

/** @param {string} detail */
export const invalidImage = (detail) => new Problem(400, "invalid-image", "Invalid image", detail);

/** @param {number} limit */
export const payloadTooLarge = (limit) =>
  new Problem(413, "payload-too-large", "Payload too large", `The request body exceeds the limit of ${limit} bytes.`, {
    connection: "close",
  });

/** @param {string} contentType */
export const unsupportedMediaType = (contentType) =>
  new Problem(
    415,
    "unsupported-media-type",
    "Unsupported media type",
    `Content-Type "${contentType}" is not accepted. Send application/json ({"image": number[]}), ` +
      "application/octet-stream or image/*.",
  );

/** @param {string} reason */
export const modelUnavailable = (reason) => new Problem(503, "model-unavailable", "Model unavailable", reason);

export const busy = () =>
  new Problem(503, "busy", "Busy", "Too many images are waiting for inference; retry shortly.", { "retry-after": "1" });

/** @param {string} method @param {string} allow */
export const methodNotAllowed = (method, allow) =>
  new Problem(405, "method-not-allowed", "Method not allowed", `${method} is not allowed here.`, { allow });

/** @param {string} path */
export const notFound = (path) =>
  new Problem(404, "not-found", "Not found", `No route for ${path}. Use POST /run or GET /health.`);

export const internalError = () =>
  new Problem(500, "internal", "Internal error", "The tagger failed unexpectedly; see its log.");
