import type { Config } from "../lib/config";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from "./access-token";
import type { IssuedSession } from "./sessions";

/** What a client holds after signing in or refreshing. */
export interface TokenPair {
  tokenType: "Bearer";
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export async function issueTokens(config: Config, userId: string, session: IssuedSession): Promise<TokenPair> {
  return {
    tokenType: "Bearer",
    accessToken: await signAccessToken(config, { userId, sessionId: session.sessionId }),
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    refreshToken: session.refreshToken,
    refreshTokenExpiresAt: new Date(session.refreshTokenExpiresAt),
  };
}
