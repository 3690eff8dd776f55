import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, AuthContext } from "../lib/env";
import { ApiError } from "../lib/problem";
import { verifyAccessToken } from "./access-token";
import { isSessionActive } from "./sessions";

/**
 * The caller behind `Authorization: Bearer <access token>`, when the token verifies and its session is still
 * active (logout and refresh-token reuse revoke it). Identity comes from here and nowhere else.
 */
export async function authenticate(c: Context<AppEnv>): Promise<AuthContext> {
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
  return auth;
}

export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  c.set("auth", await authenticate(c));
  await next();
});
