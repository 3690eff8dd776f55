import type { Config } from "../lib/config";
import { base64url, fromBase64url, hmacKey, timingSafeEqual, utf8 } from "../lib/encoding";

// A known-device token: handed out at every successful sign-in and sent back with later logins, it marks a device
// that has proven the password before. Failures against the account from elsewhere never lock such a device out
// (see attempt-limits.ts). Stateless: `<base64url payload>.<base64url HMAC-SHA256>` over user, device and expiry.

const LIFETIME_SECONDS = 365 * 24 * 3600;
const CONTEXT = "imagifyai known device v1\n";

export interface KnownDevice {
  userId: string;
  deviceId: string;
}

export async function issueDeviceToken(config: Pick<Config, "JWT_SECRET">, userId: string): Promise<string> {
  const payload = utf8.encode(
    JSON.stringify({
      u: userId,
      d: base64url(crypto.getRandomValues(new Uint8Array(12))),
      e: Math.floor(Date.now() / 1000) + LIFETIME_SECONDS,
    }),
  );
  return `${base64url(payload)}.${base64url(await sign(config.JWT_SECRET, payload))}`;
}

/** The device a token names, or null for anything this server did not issue, or that has expired. */
export async function verifyDeviceToken(
  config: Pick<Config, "JWT_SECRET">,
  token: string | undefined,
): Promise<KnownDevice | null> {
  const [payloadPart, sigPart, extra] = (token ?? "").split(".");
  const payload = fromBase64url(payloadPart ?? "");
  const sig = fromBase64url(sigPart ?? "");
  if (!payload || !sig || extra !== undefined) return null;
  if (!timingSafeEqual(sig, await sign(config.JWT_SECRET, payload))) return null;
  try {
    const { u, d, e } = JSON.parse(new TextDecoder().decode(payload)) as { u?: unknown; d?: unknown; e?: unknown };
    if (typeof u !== "string" || typeof d !== "string" || typeof e !== "number") return null;
    return e * 1000 > Date.now() ? { userId: u, deviceId: d } : null;
  } catch {
    return null;
  }
}

async function sign(secret: string, payload: Uint8Array): Promise<Uint8Array> {
  const message = new Uint8Array([...utf8.encode(CONTEXT), ...payload]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), message));
}
