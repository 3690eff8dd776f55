import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ImageRecord } from "../../images/store/image-rows";
import { selectTagger } from "../../images/tagging/select-tagger";
import { legacyImages, legacyLogin, legacyRegister, legacySearch, legacyUpload } from "../../legacy/legacy-services";
import type { AppEnv } from "../http/app-env";
import { clientInfo } from "../http/client-info";
import { authDeps, imageDeps } from "../http/service-deps";
import { signedFileUrl } from "../http/signed-file-url";
import type * as routes from "./legacy.routes";

/** `data`: an absolute signed link that renders in `<img>` and, clicked, downloads under the original name. */
async function presentLegacyImage(c: Context<AppEnv>, image: ImageRecord) {
  const { url } = await signedFileUrl(c, { id: image.id, userId: image.user_id });
  return { id: image.id, filename: image.filename, data: `${url}&download=1` };
}

export const legacyRegisterHandler: RouteHandler<typeof routes.legacyRegister, AppEnv> = async (c) => {
  await legacyRegister(authDeps(c), { ...c.req.valid("json"), client: clientInfo(c) });
  return c.json({ success: true as const, message: "Registered. Please log in." }, 201);
};

export const legacyLoginHandler: RouteHandler<typeof routes.legacyLogin, AppEnv> = async (c) => {
  const token = await legacyLogin(authDeps(c), { ...c.req.valid("json"), client: clientInfo(c) });
  return c.json({ success: true as const, token }, 200);
};

export const legacyUploadHandler: RouteHandler<typeof routes.legacyUpload, AppEnv> = async (c) => {
  const { image: file, userId } = c.req.valid("form");
  const image = await legacyUpload(imageDeps(c), c.var.auth, {
    file,
    userId,
    tagger: selectTagger(c.env, c.var.config),
  });
  return c.json(
    { success: true as const, tags: image.tags.map((tag) => tag.label), image: await presentLegacyImage(c, image) },
    200,
  );
};

export const legacyImagesHandler: RouteHandler<typeof routes.legacyImages, AppEnv> = async (c) => {
  const images = await legacyImages(c.env.DB, c.var.auth, c.var.config.LEGACY_MAX_IMAGES);
  return c.json(
    { success: true as const, images: await Promise.all(images.map((i) => presentLegacyImage(c, i))) },
    200,
  );
};

export const legacySearchHandler: RouteHandler<typeof routes.legacySearch, AppEnv> = async (c) => {
  const images = await legacySearch(c.env.DB, c.var.auth, c.req.valid("json").query, c.var.config.LEGACY_MAX_IMAGES);
  return c.json(
    { success: true as const, images: await Promise.all(images.map((i) => presentLegacyImage(c, i))) },
    200,
  );
};
