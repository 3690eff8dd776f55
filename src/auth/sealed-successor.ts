import { base64url, fromBase64url, utf8 } from "../lib/encoding";

// A spent refresh token's successor, sealed with a key derived from the spent token itself (AES-256-GCM, HKDF).
// Whoever presents the spent token within the grace window can open it and gets the same successor; the database
// alone cannot (it stores only the spent token's hash), so a leaked database yields no usable refresh token.

async function keyFrom(refreshToken: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", utf8.encode(refreshToken), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8.encode("imagifyai refresh successor v1") },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function sealSuccessor(spentToken: string, successor: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv },
    await keyFrom(spentToken),
    utf8.encode(successor),
  );
  const out = new Uint8Array(iv.length + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), iv.length);
  return base64url(out);
}

/** The successor, or null when the seal does not open with this token. */
export async function openSuccessor(spentToken: string, sealed: string): Promise<string | null> {
  const bytes = fromBase64url(sealed);
  if (!bytes || bytes.length < 13) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, 12) },
      await keyFrom(spentToken),
      bytes.slice(12),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}
