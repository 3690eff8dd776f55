import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../lib/env";
import { ApiError } from "../lib/problem";
import { verifyAccessToken } from "./access-token";
import { isSessionActive } from "./sessions";

/**
 * Accepts `Authorization: Bearer <access token>` when the token verifies and its session is still active
 * (logout and refresh-token reuse revoke it). The caller's identity comes from here and nowhere else.
 */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer ([^\s]+)$/i.exec(header);
  if (!match?.[1]) {
    throw new ApiError("unauthorized", "Send an access token as `Authorization: Bearer <token>`.", {
      headers: { "WWW-Authenticate": 'Bearer realm="imagifyai"' },
    });
  }
  const auth = await verifyAccessToken(c.var.config, match[1]);
  if (!auth || !(await isSessionActive(c.env.DB, auth.sessionId, auth.userId))) {
    throw new ApiError("unauthorized", "The access token is invalid, expired or revoked.", {
      headers: { "WWW-Authenticate": 'Bearer realm="imagifyai", error="invalid_token"' },
    });
  }
  c.set("auth", auth);
  await next();
});
