import type { z } from "@hono/zod-openapi";
import type { Config } from "../lib/config";
import type { TokensSchema } from "../routes/auth/auth.schemas";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from "./access-token";
import type { IssuedSession } from "./sessions";

export async function issueTokens(
  config: Config,
  userId: string,
  session: IssuedSession,
): Promise<z.infer<typeof TokensSchema>> {
  return {
    tokenType: "Bearer",
    accessToken: await signAccessToken(config, { userId, sessionId: session.sessionId }),
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    refreshToken: session.refreshToken,
    refreshTokenExpiresAt: new Date(session.refreshTokenExpiresAt).toISOString(),
  };
}
