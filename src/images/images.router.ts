import type { Context } from "hono";
import type * as z from "zod";
import type { AppEnv } from "../routes/context";
import { createRouter } from "../routes/create-router";
import { publicOrigin } from "../routes/public-origin";
import { editedSize } from "./edits";
import { contentDisposition } from "./filename";
import type { ImageFile } from "./image-file";
import {
  batchDeleteImagesRoute,
  batchUpdateImageTagsRoute,
  deleteImageRoute,
  getImageFileRoute,
  getImageRoute,
  type ImageSchema,
  listImagesRoute,
  listSimilarImagesRoute,
  retagImageRoute,
  searchImagesRoute,
  updateImageTagsRoute,
  uploadImageRoute,
} from "./images.routes";
import type { RenditionParams } from "./rendition-options";
import { displayRendition, THUMBNAIL, wantsRendition } from "./rendition-spec";
import type { Rendition } from "./renditions";
import type { FileLinkView } from "./signed-url";
import type { ImageRecord } from "./store/image-rows";
import { listTagsRoute } from "./tags.routes";

// /v1/images/search is registered before /v1/images/{id} so "search" is never taken for an id.
export const imagesRouter = createRouter()
  .openapi(uploadImageRoute, async (c) => {
    const { image, created, similar } = await c.var.services.images.upload(c.var.caller, c.req.valid("form"));
    const body = { ...(await presentImage(c, image)), similar };
    return created ? c.json(body, 201) : c.json(body, 200);
  })
  .openapi(listImagesRoute, async (c) => {
    const page = await c.var.services.images.list(c.var.caller, c.req.valid("query"));
    return c.json({ items: await presentImages(c, page.images), nextCursor: page.nextCursor }, 200);
  })
  .openapi(searchImagesRoute, async (c) => {
    const results = await c.var.services.images.search(c.var.caller, c.req.valid("query"));
    const items = await Promise.all(
      results.items.map(async ({ image, score }) => ({ ...(await presentImage(c, image)), score })),
    );
    c.header("Server-Timing", `library;dur=${results.libraryMs.toFixed(2)}`);
    return c.json({ items, nextCursor: results.nextCursor }, 200);
  })
  .openapi(listSimilarImagesRoute, async (c) => {
    const found = await c.var.services.images.similar(c.var.caller, {
      id: c.req.valid("param").id,
      limit: c.req.valid("query").limit,
    });
    const items = await Promise.all(
      found.map(async ({ image, distance }) => ({ ...(await presentImage(c, image)), distance })),
    );
    return c.json({ items }, 200);
  })
  .openapi(getImageRoute, async (c) => {
    const { images } = c.var.services;
    const { preset } = c.req.valid("query");
    const image = await images.get(c.var.caller, c.req.valid("param").id);
    const presetLink = preset === undefined ? undefined : await images.presetLink(c.var.caller, image, preset);
    const presented = await presentImage(c, image);
    if (!presetLink) return c.json(presented, 200);
    return c.json({ ...presented, presetUrl: publicOrigin(c) + presetLink.path }, 200);
  })
  .openapi(getImageFileRoute, async (c) => {
    const { images, auth } = c.var.services;
    const { id } = c.req.valid("param");
    const { uid, exp, sig, download, rendition, view } = c.req.valid("query");
    // A bearer token (its session checked by the library, as requireAuthInLibrary does), or the signature from the
    // image's `url` (which covers the rendition, and a preset's name and options).
    const authorization = c.req.header("authorization");
    const { caller, settle } = authorization
      ? await auth.verifyForLibrary(authorization)
      : { caller: await images.verifyFileLink(id, { uid, exp, sig }, rendition, view), settle: async () => {} };
    const ifNoneMatch = c.req.header("if-none-match");
    try {
      if (wantsRendition(rendition) || view.preset !== undefined) {
        const made = await images.readRendition(caller, {
          id,
          params: rendition,
          view,
          accept: c.req.header("accept"),
          ifNoneMatch,
        });
        return sendRendition(made);
      }
      // The owner's token gets the stored bytes; a link (which anyone may have been given) gets them without the
      // photo's location, with `download` or without.
      const file = await images.readFile(caller, {
        id,
        ifNoneMatch,
        range: c.req.header("range"),
        audience: authorization ? "owner" : "link",
      });
      return sendImageFile(file, download ? "attachment" : "inline");
    } finally {
      await settle(); // an ended session's 401 wins over whatever the read came to
    }
  })
  .openapi(batchDeleteImagesRoute, async (c) => {
    const results = await c.var.services.images.removeMany(c.var.caller, c.req.valid("json").ids);
    return c.json({ results }, 200);
  })
  .openapi(batchUpdateImageTagsRoute, async (c) => {
    const results = await c.var.services.images.editTagsMany(c.var.caller, c.req.valid("json"));
    return c.json({ results }, 200);
  })
  .openapi(updateImageTagsRoute, async (c) => {
    const image = await c.var.services.images.editTags(c.var.caller, {
      id: c.req.valid("param").id,
      ...c.req.valid("json"),
    });
    return c.json(await presentImage(c, image), 200);
  })
  .openapi(retagImageRoute, async (c) => {
    const image = await c.var.services.images.retag(c.var.caller, c.req.valid("param").id);
    return c.json(await presentImage(c, image), 200);
  })
  .openapi(deleteImageRoute, async (c) => {
    await c.var.services.images.remove(c.var.caller, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(listTagsRoute, async (c) => {
    return c.json(await c.var.services.images.listTags(c.var.caller, c.req.valid("query")), 200);
  });

/**
 * The absolute, signed, expiring link to a file of the owner's image (its original, or one rendition of it), as
 * responses show it: it works as `<img src>` on any origin, for SIGNED_URL_TTL_SECONDS. A rendition's link names the
 * image's edit version, so it changes with every edit.
 */
export async function signedFileUrl<E extends AppEnv>(
  c: Context<E>,
  image: { id: string; userId: string; editVersion?: number | undefined },
  rendition?: RenditionParams,
  view?: FileLinkView,
): Promise<{ url: string; expiresAt: Date }> {
  const link = await c.var.services.images.fileLink(image, rendition, view);
  return { url: publicOrigin(c) + link.path, expiresAt: link.expiresAt };
}

/** An image as the API shows it, with an absolute, signed, expiring `url` that works as `<img src>` anywhere. */
export async function presentImage<E extends AppEnv>(
  c: Context<E>,
  image: ImageRecord,
): Promise<z.infer<typeof ImageSchema>> {
  const owned = { id: image.id, userId: image.user_id, editVersion: image.edit_version };
  const [file, thumbnail, display] = await Promise.all([
    signedFileUrl(c, owned),
    signedFileUrl(c, owned, THUMBNAIL),
    displayRendition(image) ? signedFileUrl(c, owned, displayRendition(image)) : null,
  ]);
  const shown = editedSize(image, image.edits);
  return {
    id: image.id,
    filename: image.filename,
    contentType: image.content_type,
    bytes: image.bytes,
    width: shown.width,
    height: shown.height,
    originalWidth: image.width,
    originalHeight: image.height,
    edits: image.edits,
    sha256: image.sha256,
    tagStatus: image.tag_status,
    tagError: image.tag_error,
    tags: image.tags,
    createdAt: new Date(image.created_at).toISOString(),
    takenAt: image.photo.takenAt,
    camera: image.photo.camera,
    exposure: image.photo.exposure,
    location: image.photo.location,
    url: file.url,
    urlExpiresAt: file.expiresAt.toISOString(),
    thumbnailUrl: thumbnail.url,
    displayUrl: display?.url ?? file.url,
  };
}

function presentImages<E extends AppEnv>(c: Context<E>, images: ImageRecord[]) {
  return Promise.all(images.map((image) => presentImage(c, image)));
}

/** The HTTP form of an image file: validators, caching, a safe disposition, and 200, 206 or 304. */
function sendImageFile(file: ImageFile, disposition: "inline" | "attachment"): Response {
  const { image } = file;
  const headers = new Headers({
    ETag: file.etag,
    "Cache-Control": "private, max-age=3600",
    // A link with a bearer token gets other bytes (with the location) than the same link without.
    Vary: "Authorization",
    "Accept-Ranges": "bytes",
    "Content-Disposition": contentDisposition(image.filename, disposition),
  });
  if (file.kind === "not-modified") return new Response(null, { status: 304, headers });
  headers.set("Content-Type", image.content_type);
  if (file.kind === "range") {
    headers.set("Content-Range", `bytes ${file.offset}-${file.offset + file.length - 1}/${image.bytes}`);
    headers.set("Content-Length", String(file.length));
    return new Response(file.body, { status: 206, headers });
  }
  headers.set("Content-Length", String(image.bytes));
  return new Response(file.body, { status: 200, headers });
}

/** A rendition: its own type, validator and name; `Vary: Accept` when its format was negotiated. */
function sendRendition(rendition: Rendition): Response {
  const { image, spec } = rendition;
  const extension = spec.name.slice(spec.name.lastIndexOf(".") + 1);
  const headers = new Headers({
    ETag: rendition.etag,
    "Cache-Control": "private, max-age=3600",
    "Content-Disposition": contentDisposition(`${image.filename.replace(/\.[^.]*$/, "")}.${extension}`),
  });
  if (spec.negotiated) headers.set("Vary", "Accept");
  if (rendition.kind === "not-modified") return new Response(null, { status: 304, headers });
  headers.set("Content-Type", spec.output.format);
  headers.set("Content-Length", String(rendition.bytes));
  return new Response(rendition.body, { status: 200, headers });
}
