import type { Config } from "../lib/config";
import { ApiError } from "../lib/problem";
import { verifyAccessToken } from "./access-token";
import { isSessionActive } from "./sessions";

/** Who is calling, as the verified access token says. Identity comes from here and nowhere else. */
export interface AuthContext {
  userId: string;
  sessionId: string;
}

/**
 * The caller behind an `Authorization: Bearer <access token>` header, when the token verifies and its session is
 * still active (logout and refresh-token reuse revoke it).
 */
export async function authenticate(
  deps: { db: D1Database; config: Config },
  authorization: string | undefined,
): Promise<AuthContext> {
  const match = /^Bearer ([^\s]+)$/i.exec(authorization ?? "");
  if (!match?.[1]) {
    throw new ApiError("unauthorized", "Send an access token as `Authorization: Bearer <token>`.", {
      headers: { "WWW-Authenticate": 'Bearer realm="imagifyai"' },
    });
  }
  const auth = await verifyAccessToken(deps.config, match[1]);
  if (!auth || !(await isSessionActive(deps.db, auth.sessionId, auth.userId))) {
    throw new ApiError("unauthorized", "The access token is invalid, expired or revoked.", {
      headers: { "WWW-Authenticate": 'Bearer realm="imagifyai", error="invalid_token"' },
    });
  }
  return auth;
}
