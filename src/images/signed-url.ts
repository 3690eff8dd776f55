import { base64url, fromBase64url, hmacKey, timingSafeEqual, utf8 } from "../lib/encoding";
import { type RenditionParams, renditionQuery } from "./rendition-options";

/** Expiries are rounded up to this step, so an image's URL stays the same (and browser-cacheable) for a while. */
const EXPIRY_STEP_SECONDS = 900;

export interface SignedFileUrl {
  path: string;
  expiresAt: Date;
}

/**
 * What a link names beside a rendition's options, signed with them:
 * - `ev`, the image's edit version the link was made under: it changes the URL with every edit, so no cache keyed by
 *   URL (a browser's) shows an earlier edit; what is served is always the image as edited now;
 * - `preset`, a preset by name, with `ph`, the digest of the options it had when the link was made (presets.ts): the
 *   signature covers both, and the file route refuses the link once the preset's options differ, so a changed
 *   preset never silently changes what an old link shows.
 */
export interface FileLinkView {
  ev?: number | undefined;
  preset?: string | undefined;
  ph?: string | undefined;
}

/**
 * `/v1/images/{id}/file?[width=…&…&]uid=…&exp=…&sig=…`: an HMAC-SHA256 over image, owner, expiry, the rendition
 * parameters and the link's view (`ev`, `preset`, `ph`), so `<img src>` works without a bearer token and the URL grants
 * exactly one image — and exactly one rendition of it: a signed thumbnail link cannot be widened into another size —
 * until it expires.
 */
export async function signFileUrl(
  secret: string,
  imageId: string,
  userId: string,
  ttlSeconds: number,
  now = Date.now(),
  rendition: RenditionParams = {},
  view: FileLinkView = {},
): Promise<SignedFileUrl> {
  const exp = Math.ceil((now / 1000 + ttlSeconds) / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS;
  const transform = canonicalRendition(rendition, view);
  const sig = base64url(new Uint8Array(await hmac(secret, payload(imageId, userId, exp, transform))));
  // `transform` is already `name=value&…`, each value percent-encoded; sig is base64url and exp digits.
  const query = `${transform ? `${transform}&` : ""}uid=${encodeURIComponent(userId)}&exp=${exp}&sig=${sig}`;
  return { path: `/v1/images/${encodeURIComponent(imageId)}/file?${query}`, expiresAt: new Date(exp * 1000) };
}

/**
 * The rendition parameters and the view in one spelling: given ones only, flat (`trim.top`, `watermark`,
 * `watermark.opacity`, `gravity=XxY`), sorted by name. Every option is covered, the watermark's image and its
 * placement included. A link with no view (an original, or a rendition of an image never edited) is signed as before.
 */
function canonicalRendition(rendition: RenditionParams, view: FileLinkView): string {
  const pairs = renditionQuery(rendition);
  if (view.ev) pairs.push(["ev", String(view.ev)]);
  if (view.preset !== undefined) pairs.push(["preset", view.preset]);
  if (view.ph !== undefined) pairs.push(["ph", view.ph]);
  return pairs
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join("&");
}

/** How `signFileUrl` writes an expiry: seconds since the epoch, in decimal digits (what `String(exp)` gives). */
const CANONICAL_EXP = /^[1-9][0-9]{0,15}$/;

export type SignatureCheck = { ok: true; userId: string } | { ok: false; reason: "expired" | "invalid" };

export async function verifyFileSignature(
  secret: string,
  imageId: string,
  params: { uid?: string; exp?: string; sig?: string },
  now = Date.now(),
  rendition: RenditionParams = {},
  view: FileLinkView = {},
): Promise<SignatureCheck> {
  // `exp` exactly as issued: decimal digits, no sign, no leading zero. Number() alone would also take `0x…`, `1e9`,
  // `.0`, `+…`, `0…` and surrounding spaces, so one link would have many spellings.
  const exp = CANONICAL_EXP.test(params.exp ?? "") ? Number(params.exp) : Number.NaN;
  const sig = fromBase64url(params.sig ?? "");
  // Only the canonical spelling: base64url's last character carries spare bits, so four spellings would decode
  // to the same MAC. A link is valid exactly as it was issued.
  if (!params.uid || !Number.isSafeInteger(exp) || !sig || base64url(sig) !== params.sig) {
    return { ok: false, reason: "invalid" };
  }
  const expected = new Uint8Array(
    await hmac(secret, payload(imageId, params.uid, exp, canonicalRendition(rendition, view))),
  );
  if (!timingSafeEqual(sig, expected)) return { ok: false, reason: "invalid" };
  if (exp * 1000 <= now) return { ok: false, reason: "expired" };
  return { ok: true, userId: params.uid };
}

function payload(imageId: string, userId: string, exp: number, rendition: string): string {
  return `image-file\n${imageId}\n${userId}\n${exp}${rendition ? `\n${rendition}` : ""}`;
}

async function hmac(secret: string, message: string): Promise<ArrayBuffer> {
  return crypto.subtle.sign("HMAC", await hmacKey(secret), utf8.encode(message));
}
