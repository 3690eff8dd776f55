import type { Context } from "hono";
import { signedFileUrl } from "../images/images.router";
import { displayRendition } from "../images/rendition-spec";
import type { ImageRecord } from "../images/store/image-rows";
import { type AppEnv, clientInfo } from "../routes/context";
import { createRouter } from "../routes/create-router";
import {
  legacyImagesRoute,
  legacyLoginRoute,
  legacyRegisterRoute,
  legacySearchRoute,
  legacyUploadRoute,
} from "./legacy.routes";

export const legacyRouter = createRouter()
  .openapi(legacyRegisterRoute, async (c) => {
    await c.var.services.legacy.register({ ...c.req.valid("json"), client: clientInfo(c) });
    return c.json({ success: true as const, message: "Registered. Please log in." }, 201);
  })
  .openapi(legacyLoginRoute, async (c) => {
    const token = await c.var.services.legacy.login({ ...c.req.valid("json"), client: clientInfo(c) });
    return c.json({ success: true as const, token }, 200);
  })
  .openapi(legacyUploadRoute, async (c) => {
    const { image: file, userId } = c.req.valid("form");
    const image = await c.var.services.legacy.upload(c.var.caller, { file, userId });
    return c.json(
      { success: true as const, tags: image.tags.map((tag) => tag.label), image: await presentLegacyImage(c, image) },
      200,
    );
  })
  .openapi(legacyImagesRoute, async (c) => {
    const images = await c.var.services.legacy.images(c.var.caller);
    return c.json(
      { success: true as const, images: await Promise.all(images.map((i) => presentLegacyImage(c, i))) },
      200,
    );
  })
  .openapi(legacySearchRoute, async (c) => {
    const images = await c.var.services.legacy.search(c.var.caller, c.req.valid("json").query);
    return c.json(
      { success: true as const, images: await Promise.all(images.map((i) => presentLegacyImage(c, i))) },
      200,
    );
  });

/**
 * `data`: an absolute signed link that renders in `<img>` and, clicked, downloads under the original name; for a
 * HEIC (which the old page's browsers cannot show) the upright JPEG it is displayed as, and for an edited image the
 * edited picture.
 */
async function presentLegacyImage<E extends AppEnv>(c: Context<E>, image: ImageRecord) {
  const display = displayRendition(image);
  const owned = { id: image.id, userId: image.user_id, editVersion: image.edit_version };
  const { url } = await signedFileUrl(c, owned, display);
  return { id: image.id, filename: image.filename, data: display ? url : `${url}&download=1` };
}
