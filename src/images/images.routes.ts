import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { chain, limitJsonBody, limitUploadSize, requireAuthInLibrary } from "../routes/middleware";
import { jsonBody, jsonContent } from "../routes/openapi";
import { problemResponses } from "../routes/problem";
import { normaliseLabel } from "./labels";
import { PRESET_NAME } from "./presets";
import { FileQuerySchema, ImageEditsSchema } from "./rendition-options.routes";
import { FORMATS } from "./sniff";
import type { ImageContentType } from "./store/image-rows";

export const TagSchema = z
  .object({
    label: z.string().openapi({ example: "tabby" }),
    score: z
      .number()
      .min(0)
      .max(1)
      .openapi({ description: "Model confidence; 1 for tags a user added.", example: 0.41 }),
    source: z.enum(["ai", "user"]),
    model: z
      .string()
      .nullable()
      .openapi({
        description:
          "The model that made an AI tag: `@cf/microsoft/resnet-50` (Workers AI), `resnet-50-onnx` or " +
          "`centernet-coco80` (local development); null for tags a user added.",
        example: "@cf/microsoft/resnet-50",
      }),
  })
  .openapi("Tag");

export const ImageSchema = z
  .object({
    id: z.string().openapi({ example: "img_q3m9Xc2LrT0bWvYd1NkA8g" }),
    filename: z.string().openapi({ example: "cat.jpg" }),
    contentType: z
      .enum(Object.values(FORMATS).map((format) => format.contentType) as [ImageContentType, ...ImageContentType[]])
      .openapi({ description: "Detected from the bytes; the original keeps it (`url`)." }),
    bytes: z.number().int().openapi({ example: 48213 }),
    width: z
      .number()
      .int()
      .openapi({
        description:
          "As shown: after EXIF orientation (a phone photo taken upright) or HEIF rotation, and after the image's " +
          "`edits` (a crop, a quarter turn): the size of what its renditions are made from.",
        example: 1024,
      }),
    height: z.number().int().openapi({ description: "As shown, like `width`.", example: 768 }),
    originalWidth: z
      .number()
      .int()
      .openapi({
        description:
          "The original as shown (EXIF orientation applied), before any edit: what `edits.crop` is measured on. " +
          "Equal to `width` when the image has no edits that change its size.",
        example: 1024,
      }),
    originalHeight: z.number().int().openapi({ description: "Like `originalWidth`.", example: 768 }),
    edits: ImageEditsSchema.nullable().openapi({
      description:
        "The image's non-destructive edits (PUT /v1/images/{id}/edits), null when it has none. The original file " +
        "(`url`) is never changed; everything else shown of the image is the edited picture.",
    }),
    sha256: z.string().openapi({ description: "Hex SHA-256 of the bytes; also the file's ETag." }),
    tagStatus: z.enum(["pending", "tagged", "failed"]).openapi({
      description:
        "`pending`: the tagger could not tag the upload at once; it is retried through a durable queue, with backoff, " +
        "until it is tagged (read the image again later). `failed`: an explicit retag failed; the previous tags stay.",
    }),
    tagError: z
      .string()
      .nullable()
      .openapi({ description: "Why the latest tagging attempt failed (pending or failed); null once tagged." }),
    tags: z.array(TagSchema).openapi({
      description: "Best first. AI tags the user removed are not listed (and stay removed after a retag).",
    }),
    createdAt: z.iso.datetime(),
    takenAt: z
      .string()
      .nullable()
      .openapi({
        description:
          "When the photo was taken (EXIF DateTimeOriginal), ISO 8601: with its offset when the camera recorded " +
          "one (`2019-07-14T12:34:56+02:00`), else the camera's local wall-clock time without offset " +
          "(`2019-07-14T12:34:56`). Null when the file does not say.",
        example: "2019-07-14T12:34:56+02:00",
      }),
    camera: z
      .object({ make: z.string().nullable(), model: z.string().nullable(), lens: z.string().nullable() })
      .nullable()
      .openapi({
        example: { make: "Apple", model: "iPhone 15 Pro", lens: "iPhone 15 Pro back camera 6.765mm f/1.78" },
      }),
    exposure: z
      .object({
        iso: z.number().nullable(),
        aperture: z.number().nullable().openapi({ description: "The f-number: 1.8 for f/1.8." }),
        shutter: z.string().nullable().openapi({ description: '"1/250", or seconds: "2".' }),
        focalLength: z.number().nullable().openapi({ description: "Millimetres, as the lens reports it." }),
      })
      .nullable()
      .openapi({ example: { iso: 80, aperture: 1.78, shutter: "1/120", focalLength: 6.765 } }),
    location: z
      .object({ latitude: z.number(), longitude: z.number(), altitude: z.number().nullable() })
      .nullable()
      .openapi({
        description:
          "Where it was taken (EXIF GPS, WGS 84 degrees; altitude in metres). Private: shown only to you here, " +
          "never through the legacy `/api/*` layer, and no rendition, session output or archive carries it. The " +
          "original served through a signed link (`url`, `displayUrl`, the legacy layer's `data`) has its EXIF GPS " +
          'taken out (IFD0\'s GPSInfo entry, the GPS IFD and its values: same size, ETag `"<sha256>-private"`); with ' +
          "your bearer token the file is the exact original. Only the EXIF GPS this field is read from is taken " +
          "out: a place written elsewhere in the file (XMP, IPTC, maker notes) is served as it is, and so is a photo " +
          "whose EXIF holds no location that can be read.",
        example: { latitude: 48.8584, longitude: 2.2945, altitude: 35 },
      }),
    url: z.url().openapi({
      description:
        "Signed, expiring, absolute URL of the original file, as uploaded (edits never change it): works as " +
        "`<img src>` from any origin, without a token.",
      example:
        "https://api.imagify.ai/v1/images/img_q3m9Xc2LrT0bWvYd1NkA8g/file?uid=usr_3kTMd9w2XcQmWq0bR1yZ7A&exp=1795000000&sig=…",
    }),
    urlExpiresAt: z.iso.datetime(),
    thumbnailUrl: z.url().openapi({
      description:
        "Signed URL of a small WebP rendition (fits 256×256, never enlarged, upright, edited), made once and " +
        "cached: for galleries. It changes with every edit. Expires with `url`.",
    }),
    displayUrl: z.url().openapi({
      description:
        "Signed URL to show the image full size in an `<img>` in any browser: `url` itself for JPEG, PNG, WebP, GIF " +
        "and AVIF; for HEIC/HEIF (which most browsers cannot decode) an upright JPEG rendition of it, and for an " +
        "edited image the edited picture (PNG for PNG and GIF, WebP for WebP, else JPEG), at most 4096 px a side. " +
        "Expires with `url`.",
    }),
  })
  .openapi("Image");

export const ImageWithPresetLinkSchema = ImageSchema.extend({
  presetUrl: z
    .url()
    .optional()
    .openapi({
      description:
        "With `?preset=`: a signed, expiring link to the image made with that preset. It names the preset and signs " +
        "its options as they are now: after the preset changes it answers 403 instead of showing something else. " +
        "Expires with `url`.",
      example:
        "https://api.imagify.ai/v1/images/img_q3m9Xc2LrT0bWvYd1NkA8g/file?ph=6f1c2a9e4b7d3c10&preset=web&uid=usr_3kTMd9w2XcQmWq0bR1yZ7A&exp=1795000000&sig=Jx2qV8kT0bWvYd1NkA8gq3m9Xc2LrT0bWvYd1NkA8gQ",
    }),
}).openapi("ImageWithPresetLink");

export const ImagePageSchema = z
  .object({
    items: z.array(ImageSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass as `cursor` for the next page; null on the last page." }),
  })
  .openapi("ImagePage");

export const ImageSearchPageSchema = z
  .object({
    items: z.array(
      ImageSchema.extend({
        score: z.number().openapi({ description: "Relevance: higher is better; only comparable within one query." }),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi("ImageSearchPage");

export const UploadedImageSchema = ImageSchema.extend({
  similar: z.array(z.object({ id: z.string(), distance: z.number().int().min(0).max(64) })).openapi({
    description:
      "Your images that look like this one (a resized, recompressed or slightly cropped copy): perceptual hashes " +
      "at most 10 of 64 bits apart, nearest first, at most 5. See `GET /v1/images/{id}/similar`.",
  }),
}).openapi("UploadedImage");

export const SimilarImagesSchema = z
  .object({
    items: z.array(
      ImageSchema.extend({
        distance: z.number().int().min(0).max(64).openapi({ description: "Bits of the 64-bit hashes that differ." }),
      }),
    ),
  })
  .openapi("SimilarImages");

export const ImageIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "img_q3m9Xc2LrT0bWvYd1NkA8g" }),
});

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
  cursor: z.string().max(512).optional().openapi({ description: "`nextCursor` from the previous page." }),
});

/** A point in time for the timeline filters: an ISO 8601 date-time (with Z or an offset) or a date. */
const takenBound = (which: "From" | "To") =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/)
    .refine((value) => Number.isFinite(Date.parse(/T/.test(value) ? value : `${value}T00:00:00Z`)), "Not a date.")
    .optional()
    .openapi({
      description:
        which === "From"
          ? "Only images taken at or after this time (upload time when the taken time is unknown). A date means its start, UTC."
          : "Only images taken at or before this time (upload time when the taken time is unknown). A date means its end, UTC.",
      example: which === "From" ? "2024-06-01" : "2024-08-31T23:59:59Z",
    });

export const TakenRangeSchema = z.object({ takenFrom: takenBound("From"), takenTo: takenBound("To") });

export const UploadFormSchema = z
  .strictObject({
    file: z.instanceof(File, { error: "Send the image as a file in the multipart field `file`." }).openapi({
      type: "string",
      format: "binary",
      description: "JPEG, PNG, WebP, GIF, HEIC/HEIF or AVIF. The type is detected from the bytes.",
    }),
  })
  .openapi("ImageUpload");

const LabelSchema = z.string().overwrite(normaliseLabel).min(1).max(64).openapi({
  example: "birthday party",
  description: "Normalised (lower-case, single spaces) before the length check.",
});

const tagChanges = {
  add: z.array(LabelSchema).max(20).default([]).openapi({ description: "Labels to add as user tags (lower-cased)." }),
  remove: z
    .array(LabelSchema)
    .max(20)
    .default([])
    .openapi({ description: "Tags to remove. A removed label stays removed: a retag does not bring it back." }),
};

export const TagPatchSchema = z.strictObject(tagChanges).openapi("TagPatch");

const BatchIdsSchema = z
  .array(z.string().min(1).max(64))
  .min(1)
  .max(100)
  .openapi({ description: "1–100 image ids; repeats count once.", example: ["img_q3m9Xc2LrT0bWvYd1NkA8g"] });

export const BatchDeleteSchema = z.strictObject({ ids: BatchIdsSchema }).openapi("BatchDelete");

export const BatchTagPatchSchema = z.strictObject({ ids: BatchIdsSchema, ...tagChanges }).openapi("BatchTagPatch");

const BatchResultSchema = z.object({
  id: z.string(),
  status: z.enum(["deleted", "updated", "not_found"]).openapi({
    description:
      "What happened to this image: `deleted` / `updated`; `not_found` when it is not one of yours (missing or " +
      "someone else's: the two are not told apart).",
  }),
});

export const BatchResultsSchema = z
  .object({
    results: z.array(BatchResultSchema).openapi({ description: "One per distinct id, in the order given." }),
  })
  .openapi("BatchResults");

const tags = ["Images"];
const BinarySchema = z.string().openapi({ format: "binary" });
/** Either scheme suffices. Typed up front: an inline heterogeneous array defeats createRoute's inference. */
const fileSecurity: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { signedUrl: [] }];
const bearer = { security: [{ bearerAuth: [] }], middleware: requireAuthInLibrary };

export const uploadImageRoute = createRoute({
  operationId: "uploadImage",
  method: "post",
  path: "/v1/images",
  tags,
  security: bearer.security,
  middleware: chain(requireAuthInLibrary, limitUploadSize),
  summary: "Upload an image",
  description:
    "Stores the image and tags it with ResNet-50. The type is detected from the bytes (JPEG, PNG, WebP, GIF, " +
    "HEIC/HEIF as phones store them, AVIF); `width` and `height` are the photo as shown (EXIF orientation applied). " +
    "The Content-Type a client claims is ignored. Uploading the same bytes again returns the existing image with 200. " +
    'If the tagger cannot tag it at once the image is still stored, `tagStatus: "pending"`, and tagged later.',
  request: {
    body: { required: true, content: { "multipart/form-data": { schema: UploadFormSchema } } },
  },
  responses: {
    201: jsonContent(UploadedImageSchema, "Stored and tagged."),
    200: jsonContent(UploadedImageSchema, "These bytes were already uploaded: the existing image."),
    ...problemResponses(400, 401, 413, 415, 422),
  },
});

export const listSimilarImagesRoute = createRoute({
  operationId: "listSimilarImages",
  method: "get",
  path: "/v1/images/{id}/similar",
  tags,
  ...bearer,
  summary: "Find near-duplicates of an image",
  description:
    "Your images that look like this one: the same picture resized, recompressed or slightly cropped (a 64-bit " +
    "perceptual hash, dHash, at most 10 bits apart; measured on real photos, different pictures were 11 or more " +
    "apart). Nearest first; the image itself is not listed. Byte-identical uploads are one image already.",
  request: {
    params: ImageIdParamSchema,
    query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
  },
  responses: {
    200: jsonContent(SimilarImagesSchema, "The near-duplicates, nearest first."),
    ...problemResponses(400, 401, 404),
  },
});

export const listImagesRoute = createRoute({
  operationId: "listImages",
  method: "get",
  path: "/v1/images",
  tags,
  ...bearer,
  summary: "List images: newest uploads, or a timeline by date taken",
  description:
    "`sort=uploaded` (the default): newest uploads first. `sort=taken`: the timeline, newest photos first by when " +
    "they were taken (EXIF), or by upload time for images that do not say; `takenFrom`/`takenTo` narrow it to a " +
    "period. Pages follow each other with `cursor`, stable when images arrive meanwhile or share a time.",
  request: {
    query: PageQuerySchema.extend({
      sort: z.enum(["uploaded", "taken"]).default("uploaded"),
      ...TakenRangeSchema.shape,
    }),
  },
  responses: {
    200: jsonContent(ImagePageSchema, "A page of images."),
    ...problemResponses(400, 401),
  },
});

export const searchImagesRoute = createRoute({
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
    "time spent in your library (`library;dur=`, milliseconds).",
  request: {
    query: PageQuerySchema.extend({
      q: z.string().min(1).max(1024).openapi({ example: "golden ret" }),
      match: z.enum(["all", "any"]).default("all"),
      ...TakenRangeSchema.shape,
    }),
  },
  responses: {
    200: jsonContent(ImageSearchPageSchema, "Matching images, best first."),
    ...problemResponses(400, 401),
  },
});

export const getImageRoute = createRoute({
  operationId: "getImage",
  method: "get",
  path: "/v1/images/{id}",
  tags,
  ...bearer,
  summary: "Get an image",
  description:
    "Metadata, tags and a signed, expiring `url` for the file. With `preset`, also `presetUrl`: a signed link to " +
    "the image made with that preset, which stops working (403) once the preset's options change.",
  request: {
    params: ImageIdParamSchema,
    query: z.object({
      preset: z
        .string()
        .regex(PRESET_NAME)
        .optional()
        .openapi({ description: "A preset of yours or a built-in one: adds `presetUrl`.", example: "web" }),
    }),
  },
  responses: {
    200: jsonContent(ImageWithPresetLinkSchema, "The image."),
    ...problemResponses(400, 401, 404),
  },
});

export const getImageFileRoute = createRoute({
  operationId: "getImageFile",
  method: "get",
  path: "/v1/images/{id}/file",
  tags,
  summary: "Download an image, or a processed rendition of it",
  description:
    "Authorised either by the signature in the image's `url` or `thumbnailUrl` (so `<img src>` works; a signature " +
    "covers every rendition parameter, the watermark included, so a signed link cannot be changed into another " +
    "rendition) or by a bearer token. Without transform parameters: the original bytes, with `If-None-Match` (ETag " +
    "is the SHA-256) and single `Range` requests; through a signed link, a photo with a location comes without its " +
    'EXIF GPS (same size, ETag `"<sha256>-private"`, ranges are slices of that file; 422 in the unexpected case ' +
    "that the location cannot be taken out), while a bearer token gets the exact original. With any other " +
    "parameter: a rendition made once with Cloudflare " +
    "Images (names and ranges are Cloudflare's), stored, and served from storage afterwards.\n\n" +
    "Options, in the order they apply: `trim.top`, `trim.right`, `trim.bottom`, `trim.left` (pixels cut from the " +
    "image as shown), `flip` (`h`, `v`, `hv`), `rotate` (90, 180, 270, clockwise), `width`, `height`, `fit`, " +
    "`gravity` (for `fit=cover`/`crop`: `auto`, `center`, `left`, `right`, `top`, `bottom`, or a focal point " +
    "`XxY` from 0 to 1, e.g. `gravity=0.3x0.7`), `brightness`, `contrast`, `gamma`, `saturation` (factors, 1 = " +
    "unchanged, `saturation=0` is grayscale), `blur` (1–250), `sharpen` (0–10), `border.color` (default black) with " +
    "`border.width` or `border.top`/`right`/`bottom`/`left`, `background` (for `fit=pad` and transparency), then " +
    "`watermark`: one of your own images drawn over the result (`watermark=img_…&watermark.opacity=0.5&" +
    "watermark.gravity=bottom-right&watermark.width=0.2`; someone else's id, or a missing one, is a 404). " +
    "`metadata` is `none` (default) or `copyright` (a JPEG keeps its copyright tag); location never leaves. " +
    "`format` and `quality` choose the encoding.\n\n" +
    "An unknown or misspelled parameter, a value out of range, or options that do not go together (`gravity` " +
    "without a crop, `watermark.opacity` without `watermark`, a trim that leaves nothing) are a 400 naming the " +
    "parameter. Output at most `MAX_RENDITION_PIXELS` pixels (422 beyond). New renditions are budgeted: at most " +
    "`RENDITIONS_PER_IMAGE` stored per image (422 beyond; the stored ones are still served) and " +
    "`RENDITIONS_PER_HOUR` made per user per hour (429 with `Retry-After`); the thumbnail and display image never " +
    "count. An image Cloudflare Images cannot decode is a 422; a failure of the service itself is a 503 with " +
    "`Retry-After`.",
  security: fileSecurity,
  request: {
    params: ImageIdParamSchema,
    query: FileQuerySchema,
  },
  responses: {
    200: { description: "The file.", content: { "image/*": { schema: BinarySchema } } },
    206: { description: "The requested range.", content: { "image/*": { schema: BinarySchema } } },
    304: { description: "Not modified: the ETag matches." },
    ...problemResponses(400, 401, 403, 404, 416, 422, 429, 503),
  },
});

export const updateImageTagsRoute = createRoute({
  operationId: "updateImageTags",
  method: "patch",
  path: "/v1/images/{id}/tags",
  tags,
  security: bearer.security,
  middleware: chain(limitJsonBody, requireAuthInLibrary),
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

export const batchDeleteImagesRoute = createRoute({
  operationId: "batchDeleteImages",
  method: "post",
  path: "/v1/images/batch-delete",
  tags,
  security: bearer.security,
  middleware: chain(limitJsonBody, requireAuthInLibrary),
  summary: "Delete up to 100 images",
  description:
    "Each image is deleted as `DELETE /v1/images/{id}` deletes one (file, metadata, tags, search entry, every " +
    "rendition), on its own: one that is not yours fails alone, with `not_found`, and the others go on.",
  request: { body: jsonBody(BatchDeleteSchema, { ids: ["img_q3m9Xc2LrT0bWvYd1NkA8g", "img_7Hq2mX9bV4sLr8cW1yZ3Aa"] }) },
  responses: {
    200: jsonContent(BatchResultsSchema, "What happened to each image."),
    ...problemResponses(400, 401, 413),
  },
});

export const batchUpdateImageTagsRoute = createRoute({
  operationId: "batchUpdateImageTags",
  method: "post",
  path: "/v1/images/batch-tags",
  tags,
  security: bearer.security,
  middleware: chain(limitJsonBody, requireAuthInLibrary),
  summary: "Add or remove tags on up to 100 images",
  description:
    "`add` and `remove` as for one image (`PATCH /v1/images/{id}/tags`), applied to each image on its own, " +
    "atomically per image: one that is not yours fails alone, with `not_found`.",
  request: {
    body: jsonBody(BatchTagPatchSchema, { ids: ["img_q3m9Xc2LrT0bWvYd1NkA8g"], add: ["holiday"], remove: [] }),
  },
  responses: {
    200: jsonContent(BatchResultsSchema, "What happened to each image."),
    ...problemResponses(400, 401, 413),
  },
});

export const retagImageRoute = createRoute({
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

export const deleteImageRoute = createRoute({
  operationId: "deleteImage",
  method: "delete",
  path: "/v1/images/{id}",
  tags,
  ...bearer,
  summary: "Delete an image",
  description:
    "Deletes the file and every rendition of it, the metadata, the tags and the search entry; when it answers, " +
    "nothing of the image is left.",
  request: { params: ImageIdParamSchema },
  responses: {
    204: { description: "Deleted." },
    ...problemResponses(400, 401, 404),
  },
});
