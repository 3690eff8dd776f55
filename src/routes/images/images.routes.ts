import { createRoute, z } from "@hono/zod-openapi";
import { limitJsonBody, limitUploadSize } from "../http/body-limits";
import { jsonBody, jsonContent } from "../http/openapi-helpers";
import { problemResponses } from "../http/problem";
import { requireAuth } from "../http/require-auth";
import {
  FileQuerySchema,
  ImageIdParamSchema,
  ImagePageSchema,
  ImageSchema,
  ImageSearchPageSchema,
  PageQuerySchema,
  TagPatchSchema,
  UploadFormSchema,
} from "./images.schemas";

const tags = ["Images"];
const BinarySchema = z.string().openapi({ format: "binary" });
/** Either scheme suffices. Typed up front: an inline heterogeneous array defeats createRoute's inference. */
const fileSecurity: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { signedUrl: [] }];
const bearer = { security: [{ bearerAuth: [] }], middleware: requireAuth };

export const uploadImage = createRoute({
  operationId: "uploadImage",
  method: "post",
  path: "/v1/images",
  tags,
  security: bearer.security,
  middleware: [requireAuth, limitUploadSize],
  summary: "Upload an image",
  description:
    "Stores the image and tags it with ResNet-50. The type is detected from the bytes (JPEG, PNG, WebP, GIF); " +
    "the Content-Type a client claims is ignored. Uploading the same bytes again returns the existing image with 200. " +
    'If tagging fails the image is still stored, with `tagStatus: "failed"`; retag it later.',
  request: {
    body: { required: true, content: { "multipart/form-data": { schema: UploadFormSchema } } },
  },
  responses: {
    201: jsonContent(ImageSchema, "Stored and tagged."),
    200: jsonContent(ImageSchema, "These bytes were already uploaded: the existing image."),
    ...problemResponses(400, 401, 413, 415, 422),
  },
});

export const listImages = createRoute({
  operationId: "listImages",
  method: "get",
  path: "/v1/images",
  tags,
  ...bearer,
  summary: "List images, newest first",
  request: { query: PageQuerySchema },
  responses: {
    200: jsonContent(ImagePageSchema, "A page of images."),
    ...problemResponses(400, 401),
  },
});

export const searchImages = createRoute({
  operationId: "searchImages",
  method: "get",
  path: "/v1/images/search",
  tags,
  ...bearer,
  summary: "Search images by tag",
  description:
    "Every word of `q` is matched as a prefix of a tag word (`ret` finds `golden retriever`). `match=all` needs " +
    "every word, `any` one of them. Results are ranked by relevance weighted by tag confidence. Punctuation and " +
    "operators in `q` are treated as separators, never as query syntax. The `Server-Timing` header reports the " +
    "database time.",
  request: {
    query: PageQuerySchema.extend({
      q: z.string().min(1).max(1024).openapi({ example: "golden ret" }),
      match: z.enum(["all", "any"]).default("all"),
    }),
  },
  responses: {
    200: jsonContent(ImageSearchPageSchema, "Matching images, best first."),
    ...problemResponses(400, 401),
  },
});

export const getImage = createRoute({
  operationId: "getImage",
  method: "get",
  path: "/v1/images/{id}",
  tags,
  ...bearer,
  summary: "Get an image",
  description: "Metadata, tags and a signed, expiring `url` for the file.",
  request: { params: ImageIdParamSchema },
  responses: {
    200: jsonContent(ImageSchema, "The image."),
    ...problemResponses(400, 401, 404),
  },
});

export const getImageFile = createRoute({
  operationId: "getImageFile",
  method: "get",
  path: "/v1/images/{id}/file",
  tags,
  summary: "Download an image, or a resized or converted rendition of it",
  description:
    "Authorised either by the signature in the image's `url` or `thumbnailUrl` (so `<img src>` works; a signature " +
    "covers the rendition parameters, so a signed link cannot be changed into another rendition) or by a bearer " +
    "token. Without transform parameters: the original bytes, with `If-None-Match` (ETag is the SHA-256) and " +
    "single `Range` requests. With `width`, `height`, `fit`, `format` or `quality`: a rendition made once with " +
    "Cloudflare Images, stored, and served from storage afterwards; output at most 4096 px a side and " +
    "`MAX_RENDITION_PIXELS` pixels (422 beyond). An image Cloudflare Images cannot decode is a 422; a failure of " +
    "the service itself is a 503 with `Retry-After`.",
  security: fileSecurity,
  request: {
    params: ImageIdParamSchema,
    query: FileQuerySchema,
  },
  responses: {
    200: { description: "The file.", content: { "image/*": { schema: BinarySchema } } },
    206: { description: "The requested range.", content: { "image/*": { schema: BinarySchema } } },
    304: { description: "Not modified: the ETag matches." },
    ...problemResponses(400, 401, 403, 404, 416, 422, 503),
  },
});

export const patchImageTags = createRoute({
  operationId: "updateImageTags",
  method: "patch",
  path: "/v1/images/{id}/tags",
  tags,
  security: bearer.security,
  middleware: [limitJsonBody, requireAuth],
  summary: "Add or remove tags",
  description:
    "`add` creates user tags (or restores a removed one). `remove` hides a tag, whoever added it, and it stays " +
    "removed when the image is retagged.",
  request: {
    params: ImageIdParamSchema,
    body: jsonBody(TagPatchSchema, { add: ["birthday party"], remove: ["tiger cat"] }),
  },
  responses: {
    200: jsonContent(ImageSchema, "The image with its tags."),
    ...problemResponses(400, 401, 404, 413),
  },
});

export const retagImage = createRoute({
  operationId: "retagImage",
  method: "post",
  path: "/v1/images/{id}/retag",
  tags,
  ...bearer,
  summary: "Run the tagger again",
  description: "Replaces the AI tags; user tags and rejections are kept. A tagger failure is reported in `tagStatus`.",
  request: { params: ImageIdParamSchema },
  responses: {
    200: jsonContent(ImageSchema, "The image after tagging."),
    ...problemResponses(400, 401, 404),
  },
});

export const deleteImage = createRoute({
  operationId: "deleteImage",
  method: "delete",
  path: "/v1/images/{id}",
  tags,
  ...bearer,
  summary: "Delete an image",
  description: "Deletes the file, the metadata, the tags and the search entry.",
  request: { params: ImageIdParamSchema },
  responses: {
    204: { description: "Deleted." },
    ...problemResponses(400, 401, 404),
  },
});
