import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";
import { concatBytes } from "../lib/encoding";
import { ApiError } from "../lib/problem";
import type { AppEnv, BaseEnv, CallerEnv } from "./context";

/** Cloudflare's ray id when there is one (it is also what Cloudflare's own logs are keyed by). */
const RAY = /^[0-9a-f]{16}(-[A-Z]{3})?$/;

/**
 * Every response carries `X-Request-Id`, and so does every problem body and every log line about the request,
 * so a user's error report leads straight to the logs. Only a well-formed `cf-ray` is reused: anything else a
 * client sends is replaced, so ids in logs cannot be forged into something misleading.
 */
export const requestId = createMiddleware<BaseEnv>(async (c, next) => {
  const ray = c.req.header("cf-ray");
  const id = ray && RAY.test(ray) ? ray : crypto.randomUUID();
  c.set("requestId", id);
  await next();
  try {
    c.res.headers.set("X-Request-Id", id);
  } catch {
    // Immutable headers (a response passed through from fetch): copy it once.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set("X-Request-Id", id);
  }
});

/**
 * Puts the verified caller on the context (`c.var.caller`), or answers 401. A read (GET, HEAD) runs alongside the
 * session check in D1 instead of after it, so a request costs one round trip, not two: its answer is held until the
 * check is in, and replaced by the 401 when the session has ended. Anything else waits for the check first, so a
 * revoked session never changes data. (A read may still make a rendition, as a signed file link may.)
 */
export const requireAuth = createMiddleware<AppEnv & CallerEnv>(async (c, next) => {
  const { caller, active } = await c.var.services.auth.verify(c.req.header("authorization"));
  c.set("caller", caller);
  if (!isRead(c.req.method)) await active;
  await next();
  await active;
});

/**
 * requireAuth for routes answered from the caller's library (images, tags, edits, presets). A read makes no
 * session check of its own: the library object checks the session inside the call that answers it (LibraryEngine.run,
 * session-verdicts.ts), so the request is one round trip. A read that ended before reaching the library is checked
 * in D1 before it answers. Anything else is requireAuth.
 */
export const requireAuthInLibrary = createMiddleware<AppEnv & CallerEnv>(async (c, next) => {
  if (!isRead(c.req.method)) return requireAuth(c, next);
  const { caller, settle } = await c.var.services.auth.verifyForLibrary(c.req.header("authorization"));
  c.set("caller", caller);
  try {
    await next();
  } finally {
    await settle(); // an ended session's 401 wins over whatever the read came to
  }
});

const isRead = (method: string) => method === "GET" || method === "HEAD";

/** Answers that must never be cached (tokens, account data). */
export const noStore = createMiddleware(async (c, next) => {
  await next();
  c.header("Cache-Control", "no-store");
});

// ---------------------------------------------------------------------------------------------------------------
// Body limits. Oversized bodies are refused while they stream in, before anything is buffered or parsed: workerd
// enforces no body limit locally, production's is 100 MB, and an isolate has 128 MB, so the project enforces its own.

/** Every JSON body this API accepts is small; this is far above the largest legitimate one. */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;

/** Room for the multipart envelope around an uploaded file (boundaries, part headers, the filename). */
const MULTIPART_OVERHEAD_BYTES = 16 * 1024;

/**
 * A refused body is still read to its end (and thrown away) before the 413 goes out, up to these bounds. Answering
 * while the client is still sending leaves the rest of the body in the connection: under `wrangler dev` that made
 * the refused client, and sometimes the next request, get a plain-text 503 "Your worker restarted mid-request" (or
 * no answer), and HTTP/1.1 clients elsewhere see a reset instead of the 413. Past the bounds the body is cancelled:
 * 100 MB is what Cloudflare's edge accepts at most anyway, and a client trickling bytes does not hold the request.
 */
const DRAIN_MAX_BYTES = 100 * 1024 * 1024;
const DRAIN_MAX_MS = 10_000;

/**
 * Refuses a body over `maxSize` bytes while it streams in, before anything is parsed: a declared Content-Length at
 * once, a chunked body (no length) as soon as it passes the limit. What was read is handed on to the route as the
 * body; a refused one is drained (see above) and then answered with `error()`.
 */
function limitBody(maxSize: number, error: () => ApiError) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return next();
    const declared = raw.headers.get("content-length");
    if (declared !== null && !raw.headers.has("transfer-encoding")) {
      if (Number(declared) <= maxSize) return next();
      await drain(raw.body.getReader());
      throw error();
    }
    const reader = raw.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxSize) {
        chunks.length = 0;
        await drain(reader);
        throw error();
      }
      chunks.push(value);
    }
    c.req.raw = new Request(raw, { body: concatBytes(chunks) });
    return next();
  });
}

/** Reads what is left of a refused body and discards it, within DRAIN_MAX_BYTES and DRAIN_MAX_MS; then cancels. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeUp = new Promise<"time up">((resolve) => {
    timer = setTimeout(() => resolve("time up"), DRAIN_MAX_MS);
  });
  try {
    for (let drained = 0; drained <= DRAIN_MAX_BYTES; ) {
      const next = await Promise.race([reader.read(), timeUp]);
      if (next === "time up" || next.done) break;
      drained += next.value.byteLength;
    }
  } catch {
    // The client went away: nothing left to drain.
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
}

/** Uploads: the configured image size plus the multipart envelope, refused with the upload's own problem. */
export const limitUploadSize = createMiddleware<AppEnv>((c, next) => {
  const maxBytes = c.var.services.platform.config.MAX_UPLOAD_BYTES;
  return limitBody(maxBytes + MULTIPART_OVERHEAD_BYTES, () => c.var.services.images.uploadTooLarge())(c, next);
});

/** Routes with a JSON body: the limit runs before authentication and validation read anything. */
export const limitJsonBody = limitBody(
  JSON_BODY_LIMIT_BYTES,
  () => new ApiError("payload_too_large", `Request bodies may be at most ${JSON_BODY_LIMIT_BYTES} bytes.`),
);

// ---------------------------------------------------------------------------------------------------------------
// Security headers, by what a response is.

const HSTS = "max-age=31536000; includeSubDomains";

/** JSON API responses: nothing in them may load or frame anything. */
const apiHeaders = secureHeaders({
  strictTransportSecurity: HSTS,
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  crossOriginResourcePolicy: "same-site",
});

/** Image files: embeddable by the frontend on another origin, but inert if opened directly (sandboxed). */
const fileHeaders = secureHeaders({
  strictTransportSecurity: HSTS,
  contentSecurityPolicy: { defaultSrc: ["'none'"], sandbox: [] },
  crossOriginResourcePolicy: "cross-origin",
});

/** The Scalar reference page: its own bundle and inline bootstrap, and fetches of /doc. */
const referenceHeaders = secureHeaders({
  strictTransportSecurity: HSTS,
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", "'unsafe-inline'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:"],
    fontSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
  },
});

const IMAGE_FILE_PATH = /^\/v1\/images\/[^/]+\/file$/;

export const securityHeaders: MiddlewareHandler = (c, next) => {
  if (c.req.path === "/reference") return referenceHeaders(c, next);
  if (IMAGE_FILE_PATH.test(c.req.path)) return fileHeaders(c, next);
  return apiHeaders(c, next);
};

/**
 * A route's middleware, in order, typed as a tuple: zod-openapi then gives the handler a context with what each one
 * sets (an array literal would lose that, and a readonly one is not read at all).
 */
// biome-ignore lint/suspicious/noExplicitAny: any middleware, whatever its context
export function chain<M extends MiddlewareHandler<any, any, any>[]>(...middleware: M): M {
  return middleware;
}
