import { CompactSign, jwtVerify } from "jose";
import type { Config } from "../lib/config";
import { hmacKey, utf8 } from "../lib/encoding";
import type { SignedInCaller } from "../platform";

// Tokens of the deprecated /api/* layer: HS256 JWTs with their own audience (never accepted on /v1, and /v1's never
// here), bound to an ordinary session (so logout, password changes and session ends revoke them), one hour long.
//
// The deployed frontend reads its token with `JSON.parse(atob(token.split(".")[1])).sub`. `atob` rejects base64url's
// `-` and `_`, and in base64 those arise only from a byte '>' (0x3e), '?' (0x3f), '~' (0x7e) or DEL (0x7f) at the
// third position of a 3-byte group (ASCII bytes cannot reach 62 or 63 elsewhere). So the payload is JSON with those
// four characters written as \u escapes: its encoding is then valid base64 as well, whatever the claims contain.

export const LEGACY_AUDIENCE = "imagifyai-legacy";
export const LEGACY_TOKEN_TTL_SECONDS = 3600;

export function atobSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[>?~\x7f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export async function signLegacyToken(config: Config, caller: SignedInCaller, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  const payload = atobSafeJson({
    iss: config.JWT_ISSUER,
    aud: LEGACY_AUDIENCE,
    sub: caller.userId,
    sid: caller.sessionId,
    iat,
    exp: iat + LEGACY_TOKEN_TTL_SECONDS,
  });
  return new CompactSign(utf8.encode(payload))
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(await hmacKey(config.JWT_SECRET));
}

/** The caller a legacy token names, when it verifies (signature, audience, expiry); null otherwise. */
export async function verifyLegacyToken(config: Config, token: string): Promise<SignedInCaller | null> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(config.JWT_SECRET), {
      algorithms: ["HS256"],
      issuer: config.JWT_ISSUER,
      audience: LEGACY_AUDIENCE,
      typ: "JWT",
      requiredClaims: ["exp", "iat", "sub", "sid"],
    });
    if (typeof payload.sub !== "string" || typeof payload.sid !== "string") return null;
    return { userId: payload.sub, sessionId: payload.sid };
  } catch {
    return null;
  }
}
