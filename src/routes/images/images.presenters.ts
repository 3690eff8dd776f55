import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { signFileUrl } from "../../images/files/signed-url";
import type { RenditionParams } from "../../images/renditions/rendition-spec";
import type { ImageRecord } from "../../images/store/image-rows";
import type { AppEnv } from "../http/app-env";
import { publicOrigin } from "../http/public-origin";
import type { ImageSchema } from "./images.schemas";

type ImageOut = z.infer<typeof ImageSchema>;

/** Gallery thumbnails: one size, one format, so each image's thumbnail is made once and then served from R2. */
const THUMBNAIL: RenditionParams = { width: 256, height: 256, fit: "scale-down", format: "webp", quality: 80 };

/** An image as the API shows it, with an absolute, signed, expiring `url` that works as `<img src>` anywhere. */
export async function presentImage(c: Context<AppEnv>, image: ImageRecord): Promise<ImageOut> {
  const { config } = c.var;
  const signed = await signFileUrl(config.URL_SIGNING_SECRET, image.id, image.user_id, config.SIGNED_URL_TTL_SECONDS);
  const thumbnail = await signFileUrl(
    config.URL_SIGNING_SECRET,
    image.id,
    image.user_id,
    config.SIGNED_URL_TTL_SECONDS,
    Date.now(),
    THUMBNAIL,
  );
  return {
    id: image.id,
    filename: image.filename,
    contentType: image.content_type,
    bytes: image.bytes,
    width: image.width,
    height: image.height,
    sha256: image.sha256,
    tagStatus: image.tag_status,
    tagError: image.tag_error,
    tags: image.tags,
    createdAt: new Date(image.created_at).toISOString(),
    url: publicOrigin(c) + signed.path,
    urlExpiresAt: signed.expiresAt.toISOString(),
    thumbnailUrl: publicOrigin(c) + thumbnail.path,
  };
}

export function presentImages(c: Context<AppEnv>, images: ImageRecord[]): Promise<ImageOut[]> {
  return Promise.all(images.map((image) => presentImage(c, image)));
}
