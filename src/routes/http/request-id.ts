import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";

/** Cloudflare's ray id when there is one (it is also what Cloudflare's own logs are keyed by). */
const RAY = /^[0-9a-f]{16}(-[A-Z]{3})?$/;

/**
 * Every response carries `X-Request-Id`, and so does every problem body and every log line about the request,
 * so a user's error report leads straight to the logs. Only a well-formed `cf-ray` is reused: anything else a
 * client sends is replaced, so ids in logs cannot be forged into something misleading.
 */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
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
