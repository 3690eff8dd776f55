import type { Context } from "hono";
import type { RenditionParams } from "../images/rendition-spec";
import { ConfigError, getConfig } from "../lib/config";
import type { AppEnv } from "./context";

/**
 * The origin clients reach this API at: PUBLIC_API_ORIGIN when configured (behind a proxy, or a custom domain),
 * else the request's own. Absolute URLs built on it work from a frontend on any origin. Problem responses use it
 * too, so a broken configuration falls back to the request's origin instead of failing the error response.
 */
export function publicOrigin(c: Context): string {
  try {
    const configured = getConfig(c.env).PUBLIC_API_ORIGIN;
    if (configured) return configured;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  return new URL(c.req.url).origin;
}

/**
 * The absolute, signed, expiring link to a file of the owner's image (its original, or one rendition of it), as
 * responses show it: it works as `<img src>` on any origin, for SIGNED_URL_TTL_SECONDS.
 */
export async function signedFileUrl<E extends AppEnv>(
  c: Context<E>,
  image: { id: string; userId: string },
  rendition?: RenditionParams,
): Promise<{ url: string; expiresAt: Date }> {
  const link = await c.var.services.images.fileLink(image, rendition);
  return { url: publicOrigin(c) + link.path, expiresAt: link.expiresAt };
}
