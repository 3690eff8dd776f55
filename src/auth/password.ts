import { base64url, fromBase64url, hmacKey, timingSafeEqual, utf8 } from "../lib/encoding";

/**
 * Cloudflare's production cap for PBKDF2 in Workers: more iterations throw there (local workerd does not enforce it).
 * A test pins this constant.
 */
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;
const SCHEME = "pbkdf2-sha256";

/**
 * Stored format: `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64url), so parameters can be raised later
 * and old hashes still verify (and are rehashed on the next successful login).
 *
 * The password (NFC-normalised, never truncated) is first keyed with the server-side pepper through
 * HMAC-SHA256, so a leaked database alone is not enough to test guesses.
 */
export async function hashPassword(password: string, pepper: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, pepper, salt, iterations);
  return [SCHEME, iterations, base64url(salt), base64url(hash)].join("$");
}

export interface PasswordCheck {
  valid: boolean;
  /** The stored hash uses older parameters: store a fresh hash now that the password is known. */
  needsRehash: boolean;
}

export async function verifyPassword(password: string, stored: string, pepper: string): Promise<PasswordCheck> {
  const parsed = parseStoredHash(stored);
  if (!parsed) return { valid: false, needsRehash: false };
  const actual = await derive(password, pepper, parsed.salt, parsed.iterations);
  return { valid: timingSafeEqual(actual, parsed.hash), needsRehash: parsed.iterations !== PBKDF2_ITERATIONS };
}

/**
 * A well-formed hash of a password nobody knows. Verifying against it for unknown emails makes a login attempt
 * cost the same hashing work whether or not the account exists.
 */
export const UNKNOWN_USER_HASH = `${SCHEME}$${PBKDF2_ITERATIONS}$${"A".repeat(22)}$${"A".repeat(43)}`;

function parseStoredHash(stored: string): { iterations: number; salt: Uint8Array; hash: Uint8Array } | null {
  const [scheme, iterations, salt, hash] = stored.split("$");
  if (scheme !== SCHEME || !iterations || !salt || !hash) return null;
  const count = Number(iterations);
  const saltBytes = fromBase64url(salt);
  const hashBytes = fromBase64url(hash);
  if (!Number.isSafeInteger(count) || count < 1 || count > PBKDF2_ITERATIONS || !saltBytes || !hashBytes) return null;
  return { iterations: count, salt: saltBytes, hash: hashBytes };
}

async function derive(password: string, pepper: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const peppered = await crypto.subtle.sign("HMAC", await hmacKey(pepper), utf8.encode(password.normalize("NFC")));
  const material = await crypto.subtle.importKey("raw", peppered, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material,
    HASH_BITS,
  );
  return new Uint8Array(bits);
}
