import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { RenditionParams } from "../../images/renditions/rendition-spec";
import type { ImageRecord } from "../../images/store/image-rows";
import type { AppEnv } from "../http/app-env";
import { signedFileUrl } from "../http/signed-file-url";
import type { ImageSchema } from "./images.schemas";

type ImageOut = z.infer<typeof ImageSchema>;

/** Gallery thumbnails: one size, one format, so each image's thumbnail is made once and then served from R2. */
const THUMBNAIL: RenditionParams = { width: 256, height: 256, fit: "scale-down", format: "webp", quality: 80 };

/** An image as the API shows it, with an absolute, signed, expiring `url` that works as `<img src>` anywhere. */
export async function presentImage(c: Context<AppEnv>, image: ImageRecord): Promise<ImageOut> {
  const owned = { id: image.id, userId: image.user_id };
  const [file, thumbnail] = await Promise.all([signedFileUrl(c, owned), signedFileUrl(c, owned, THUMBNAIL)]);
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
    url: file.url,
    urlExpiresAt: file.expiresAt.toISOString(),
    thumbnailUrl: thumbnail.url,
  };
}

export function presentImages(c: Context<AppEnv>, images: ImageRecord[]): Promise<ImageOut[]> {
  return Promise.all(images.map((image) => presentImage(c, image)));
}
