import { z } from "@hono/zod-openapi";
import { normaliseLabel } from "../../images/labels";
import { MAX_RENDITION_SIDE, RENDITION_FITS, RENDITION_FORMATS } from "../../images/renditions/rendition-spec";

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
      .enum(["image/jpeg", "image/png", "image/webp", "image/gif"])
      .openapi({ description: "Detected from the bytes." }),
    bytes: z.number().int().openapi({ example: 48213 }),
    width: z.number().int().openapi({ example: 1024 }),
    height: z.number().int().openapi({ example: 768 }),
    sha256: z.string().openapi({ description: "Hex SHA-256 of the bytes; also the file's ETag." }),
    tagStatus: z.enum(["pending", "tagged", "failed"]),
    tagError: z.string().nullable().openapi({ description: "Why tagging failed, when tagStatus is failed." }),
    tags: z.array(TagSchema).openapi({
      description: "Best first. AI tags the user removed are not listed (and stay removed after a retag).",
    }),
    createdAt: z.iso.datetime(),
    url: z.url().openapi({
      description: "Signed, expiring, absolute URL of the file: works as `<img src>` from any origin, without a token.",
      example:
        "https://api.imagify.ai/v1/images/img_q3m9Xc2LrT0bWvYd1NkA8g/file?uid=usr_3kTMd9w2XcQmWq0bR1yZ7A&exp=1795000000&sig=…",
    }),
    urlExpiresAt: z.iso.datetime(),
    thumbnailUrl: z.url().openapi({
      description:
        "Signed URL of a small WebP rendition (fits 256×256, never enlarged), made once and cached: for galleries. " +
        "Expires with `url`.",
    }),
  })
  .openapi("Image");

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

export const UploadFormSchema = z
  .strictObject({
    file: z.instanceof(File, { error: "Send the image as a file in the multipart field `file`." }).openapi({
      type: "string",
      format: "binary",
      description: "JPEG, PNG, WebP or GIF. The type is detected from the bytes.",
    }),
  })
  .openapi("ImageUpload");

const LabelSchema = z.string().overwrite(normaliseLabel).min(1).max(64).openapi({
  example: "birthday party",
  description: "Normalised (lower-case, single spaces) before the length check.",
});

export const TagPatchSchema = z
  .strictObject({
    add: z.array(LabelSchema).max(20).default([]).openapi({ description: "Labels to add as user tags (lower-cased)." }),
    remove: z
      .array(LabelSchema)
      .max(20)
      .default([])
      .openapi({ description: "Tags to remove. A removed label stays removed: a retag does not bring it back." }),
  })
  .openapi("TagPatch");

const side = (name: string) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_RENDITION_SIDE)
    .optional()
    .openapi({
      description: `${name} of the box to fit the image into, in pixels (1–${MAX_RENDITION_SIDE}).`,
      example: 256,
    });

export const FileQuerySchema = z.object({
  width: side("Width"),
  height: side("Height"),
  fit: z
    .enum(RENDITION_FITS)
    .optional()
    .openapi({
      description:
        "How the image fits the box (default `scale-down`: shrink to fit, never enlarge; `contain`: fit, enlarging " +
        "if needed; `cover`: fill the box, cropping; `crop`: like `cover` but never enlarging; `pad`: fit and fill " +
        "the rest). `cover`, `crop` and `pad` take full effect on Cloudflare only (see the README).",
    }),
  format: z
    .enum(RENDITION_FORMATS)
    .optional()
    .openapi({
      description:
        "Output format; `auto` picks AVIF or WebP when `Accept` allows (the response then varies by `Accept`). " +
        "Any transform parameter without `format` means `auto`.",
    }),
  quality: z.coerce.number().int().min(1).max(100).optional().openapi({
    description: "Lossy quality 1–100 (default 85; PNG is lossless). Takes effect on Cloudflare only.",
  }),
  download: z.enum(["1"]).optional().openapi({
    description: "`1`: serve the original as an attachment (a download keeping its filename) instead of inline.",
  }),
  uid: z.string().max(64).optional(),
  exp: z.string().max(16).optional(),
  sig: z.string().max(64).optional(),
});
