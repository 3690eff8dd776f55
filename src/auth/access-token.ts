import { jwtVerify, SignJWT } from "jose";
import type { Config } from "../lib/config";
import { hmacKey } from "../lib/encoding";
import type { SignedInCaller } from "../platform";
import type { IssuedSession } from "./store/sessions";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** RFC 9068 media type for JWT access tokens; a token without it (an ID token, say) is refused. */
const ACCESS_TOKEN_TYP = "at+jwt";
const ALGORITHM = "HS256";

type TokenConfig = Pick<Config, "JWT_SECRET" | "JWT_ISSUER" | "JWT_AUDIENCE">;

export async function signAccessToken(config: TokenConfig, caller: SignedInCaller): Promise<string> {
  return new SignJWT({ sid: caller.sessionId })
    .setProtectedHeader({ alg: ALGORITHM, typ: ACCESS_TOKEN_TYP })
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setSubject(caller.userId)
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(await hmacKey(config.JWT_SECRET));
}

/**
 * Verifies signature, algorithm (pinned: `none` and other algorithms are refused), issuer, audience, `typ` and
 * expiry, and that the claims we rely on are present. Returns null for any token that fails; callers answer 401.
 */
export async function verifyAccessToken(config: TokenConfig, token: string): Promise<SignedInCaller | null> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(config.JWT_SECRET), {
      algorithms: [ALGORITHM],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      typ: ACCESS_TOKEN_TYP,
      requiredClaims: ["exp", "iat", "sub", "sid"],
    });
    if (typeof payload.sub !== "string" || typeof payload.sid !== "string") return null;
    return { userId: payload.sub, sessionId: payload.sid };
  } catch {
    return null;
  }
}

/** What a client holds after signing in or refreshing. */
export interface TokenPair {
  tokenType: "Bearer";
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export async function issueTokens(config: TokenConfig, userId: string, session: IssuedSession): Promise<TokenPair> {
  return {
    tokenType: "Bearer",
    accessToken: await signAccessToken(config, { userId, sessionId: session.sessionId }),
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    refreshToken: session.refreshToken,
    refreshTokenExpiresAt: new Date(session.refreshTokenExpiresAt),
  };
}
