import { jwtVerify, SignJWT } from "jose";
import type { Config } from "../lib/config";
import { hmacKey } from "../lib/hmac-key";
import type { AuthContext } from "./authenticate";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** RFC 9068 media type for JWT access tokens; a token without it (an ID token, say) is refused. */
const ACCESS_TOKEN_TYP = "at+jwt";
const ALGORITHM = "HS256";

type TokenConfig = Pick<Config, "JWT_SECRET" | "JWT_ISSUER" | "JWT_AUDIENCE">;

export async function signAccessToken(config: TokenConfig, auth: AuthContext): Promise<string> {
  return new SignJWT({ sid: auth.sessionId })
    .setProtectedHeader({ alg: ALGORITHM, typ: ACCESS_TOKEN_TYP })
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setSubject(auth.userId)
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(await hmacKey(config.JWT_SECRET));
}

/**
 * Verifies signature, algorithm (pinned: `none` and other algorithms are refused), issuer, audience, `typ` and
 * expiry, and that the claims we rely on are present. Returns null for any token that fails; callers answer 401.
 */
export async function verifyAccessToken(config: TokenConfig, token: string): Promise<AuthContext | null> {
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
