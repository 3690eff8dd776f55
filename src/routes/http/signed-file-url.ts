import type { Context } from "hono";
import { signFileUrl } from "../../images/files/signed-url";
import type { RenditionParams } from "../../images/renditions/rendition-spec";
import type { AppEnv } from "./app-env";
import { publicOrigin } from "./public-origin";

/**
 * The absolute, signed, expiring link to a file of the owner's image (its original, or one rendition of it), as
 * responses show it: it works as `<img src>` on any origin, for SIGNED_URL_TTL_SECONDS.
 */
export async function signedFileUrl(
  c: Context<AppEnv>,
  image: { id: string; userId: string },
  rendition?: RenditionParams,
): Promise<{ url: string; expiresAt: Date }> {
  const { config } = c.var;
  const signed = await signFileUrl(
    config.URL_SIGNING_SECRET,
    image.id,
    image.userId,
    config.SIGNED_URL_TTL_SECONDS,
    Date.now(),
    rendition,
  );
  return { url: publicOrigin(c) + signed.path, expiresAt: signed.expiresAt };
}
