import { createRoute } from "@hono/zod-openapi";
import { chain, limitJsonBody, requireAuthInLibrary } from "../routes/middleware";
import { jsonBody, jsonContent } from "../routes/openapi";
import { problemResponses } from "../routes/problem";
import { ImageIdParamSchema, ImageSchema } from "./images.routes";
import { ImageEditsSchema } from "./rendition-options.routes";

const tags = ["Images"];

export const putImageEditsRoute = createRoute({
  operationId: "putImageEdits",
  method: "put",
  path: "/v1/images/{id}/edits",
  tags,
  security: [{ bearerAuth: [] }],
  middleware: chain(limitJsonBody, requireAuthInLibrary),
  summary: "Edit an image (non-destructively)",
  description:
    "Replaces the image's edits wholesale (what the body leaves out is no longer applied): `crop` (a rectangle of " +
    "the original as shown), `flip`, `rotate`, then `brightness`, `contrast`, `gamma`, `saturation`, in that order. " +
    "The original file is never changed and `url` still downloads it; the thumbnail, every rendition, the display " +
    "image, session outputs and what the tagger sees are the edited picture, and `width`/`height` become its size. " +
    "Every change gives the image's rendition links and ETags new values, so nothing made from an earlier edit is " +
    "served again (the files of earlier edits are deleted). A change that cuts or turns the picture makes " +
    "`tagStatus` `pending`: it is tagged again, as edited, through the tagging queue (user tags and rejections " +
    "stay). Sending the edits the image already has changes nothing. A crop outside the image is a 400 naming " +
    "`body.crop`.",
  request: {
    params: ImageIdParamSchema,
    body: jsonBody(ImageEditsSchema, { rotate: 90, crop: { x: 40, y: 30, width: 320, height: 240 }, brightness: 1.1 }),
  },
  responses: {
    200: jsonContent(ImageSchema, "The image with its edits applied."),
    ...problemResponses(400, 401, 404, 413),
  },
});

export const deleteImageEditsRoute = createRoute({
  operationId: "deleteImageEdits",
  method: "delete",
  path: "/v1/images/{id}/edits",
  tags,
  security: [{ bearerAuth: [] }],
  middleware: requireAuthInLibrary,
  summary: "Revert an image's edits",
  description:
    "Back to the original as uploaded: thumbnail and renditions show it unedited again (under new links and " +
    "ETags), `width`/`height` are the original's. An image whose edits cut or turned it is tagged again. An image " +
    "without edits is answered as it is.",
  request: { params: ImageIdParamSchema },
  responses: {
    200: jsonContent(ImageSchema, "The image without edits."),
    ...problemResponses(400, 401, 404),
  },
});
