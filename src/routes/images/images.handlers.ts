import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { authenticate } from "../../auth/authenticate";
import { readImageFile } from "../../images/files/read-image-file";
import { verifyFileSignature } from "../../images/files/signed-url";
import { editTags } from "../../images/library/edit-tags";
import { getImage } from "../../images/library/get-image";
import { listImages } from "../../images/library/list-images";
import { removeImage } from "../../images/library/remove-image";
import { readRendition } from "../../images/renditions/read-rendition";
import { type RenditionParams, wantsRendition } from "../../images/renditions/rendition-spec";
import { searchImages } from "../../images/search/search-images";
import { retagImage } from "../../images/tagging/retag-image";
import { selectTagger } from "../../images/tagging/select-tagger";
import { storeImage } from "../../images/upload/store-image";
import { ApiError } from "../../lib/problem";
import type { AppEnv } from "../http/app-env";
import { authDeps, imageDeps } from "../http/service-deps";
import { presentImage, presentImages } from "./images.presenters";
import type {
  deleteImage as deleteImageRoute,
  getImageFile as getImageFileRoute,
  getImage as getImageRoute,
  listImages as listImagesRoute,
  patchImageTags as patchImageTagsRoute,
  retagImage as retagImageRoute,
  searchImages as searchImagesRoute,
  uploadImage as uploadImageRoute,
} from "./images.routes";
import { sendImageFile, sendRendition } from "./send-image-file";

export const uploadImageHandler: RouteHandler<typeof uploadImageRoute, AppEnv> = async (c) => {
  const { image, created } = await storeImage(imageDeps(c), {
    userId: c.var.auth.userId,
    file: c.req.valid("form").file,
    tagger: selectTagger(c.env, c.var.config),
  });
  return created ? c.json(await presentImage(c, image), 201) : c.json(await presentImage(c, image), 200);
};

export const listImagesHandler: RouteHandler<typeof listImagesRoute, AppEnv> = async (c) => {
  const page = await listImages(c.env.DB, { userId: c.var.auth.userId, ...c.req.valid("query") });
  return c.json({ items: await presentImages(c, page.images), nextCursor: page.nextCursor }, 200);
};

export const searchImagesHandler: RouteHandler<typeof searchImagesRoute, AppEnv> = async (c) => {
  const results = await searchImages(c.env.DB, { userId: c.var.auth.userId, ...c.req.valid("query") });
  const items = await Promise.all(
    results.items.map(async ({ image, score }) => ({ ...(await presentImage(c, image)), score })),
  );
  c.header("Server-Timing", `db;dur=${results.dbMs.toFixed(2)}`);
  return c.json({ items, nextCursor: results.nextCursor }, 200);
};

export const getImageHandler: RouteHandler<typeof getImageRoute, AppEnv> = async (c) => {
  const image = await getImage(c.env.DB, { userId: c.var.auth.userId, id: c.req.valid("param").id });
  return c.json(await presentImage(c, image), 200);
};

export const getImageFileHandler: RouteHandler<typeof getImageFileRoute, AppEnv> = async (c) => {
  const { id } = c.req.valid("param");
  const { uid, exp, sig, download, ...rendition } = c.req.valid("query");
  const userId = await fileCaller(c, id, { uid, exp, sig }, rendition);
  const ifNoneMatch = c.req.header("if-none-match");
  if (wantsRendition(rendition)) {
    const made = await readRendition(
      { ...imageDeps(c), images: c.env.IMAGES },
      { userId, id, params: rendition, accept: c.req.header("accept"), ifNoneMatch },
    );
    return sendRendition(made);
  }
  const file = await readImageFile(imageDeps(c), { userId, id, ifNoneMatch, range: c.req.header("range") });
  return sendImageFile(file, download ? "attachment" : "inline");
};

export const patchImageTagsHandler: RouteHandler<typeof patchImageTagsRoute, AppEnv> = async (c) => {
  const image = await editTags(c.env.DB, {
    userId: c.var.auth.userId,
    id: c.req.valid("param").id,
    ...c.req.valid("json"),
  });
  return c.json(await presentImage(c, image), 200);
};

export const retagImageHandler: RouteHandler<typeof retagImageRoute, AppEnv> = async (c) => {
  const image = await retagImage(imageDeps(c), {
    userId: c.var.auth.userId,
    id: c.req.valid("param").id,
    tagger: selectTagger(c.env, c.var.config),
  });
  return c.json(await presentImage(c, image), 200);
};

export const deleteImageHandler: RouteHandler<typeof deleteImageRoute, AppEnv> = async (c) => {
  await removeImage(imageDeps(c), { userId: c.var.auth.userId, id: c.req.valid("param").id });
  return c.body(null, 204);
};

/** The file route accepts a bearer token or the signature from the image's `url` (which covers the rendition). */
async function fileCaller(
  c: Context<AppEnv>,
  imageId: string,
  query: { uid?: string | undefined; exp?: string | undefined; sig?: string | undefined },
  rendition: RenditionParams,
) {
  const authorization = c.req.header("authorization");
  if (authorization) return (await authenticate(authDeps(c), authorization)).userId;
  if (!query.sig) throw new ApiError("unauthorized", "Use the image's signed `url`, or send a bearer token.");
  const check = await verifyFileSignature(c.var.config.URL_SIGNING_SECRET, imageId, query, Date.now(), rendition);
  if (!check.ok) {
    throw new ApiError(
      "forbidden",
      check.reason === "expired"
        ? "This link has expired; fetch the image again for a fresh url."
        : "This link is not valid.",
    );
  }
  return check.userId;
}
