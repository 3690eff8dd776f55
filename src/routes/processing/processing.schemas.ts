import { z } from "@hono/zod-openapi";
import { MAX_RENDITION_SIDE, RENDITION_FITS } from "../../images/renditions/rendition-spec";

const STATUSES = ["draft", "running", "paused", "completed", "failed", "cancelled"] as const;

export const ProcessingOutputSchema = z
  .strictObject({
    format: z.enum(["webp", "avif", "jpeg", "png"]),
    quality: z.number().int().min(1).max(100).optional().openapi({ description: "1–100; takes effect on Cloudflare." }),
    width: z.number().int().min(1).max(MAX_RENDITION_SIDE).optional().openapi({ example: 1600 }),
    height: z.number().int().min(1).max(MAX_RENDITION_SIDE).optional(),
    fit: z.enum(RENDITION_FITS).optional().openapi({ description: "As for renditions; default `scale-down`." }),
  })
  .openapi("ProcessingOutput");

const ImageIdsSchema = z
  .array(z.string().min(1).max(64))
  .min(1)
  .max(100)
  .openapi({
    description: "1–100 of your image ids, in the order to convert them.",
    example: ["img_q3m9Xc2LrT0bWvYd1NkA8g"],
  });

export const CreateSessionSchema = z
  .strictObject({ imageIds: ImageIdsSchema, output: ProcessingOutputSchema })
  .openapi("CreateProcessingSession");

export const UpdateSessionSchema = z
  .strictObject({ imageIds: ImageIdsSchema.optional(), output: ProcessingOutputSchema.optional() })
  .openapi("UpdateProcessingSession");

const ItemSchema = z.object({
  imageId: z.string(),
  status: z.enum(["pending", "processing", "done", "failed"]),
  rendition: z
    .object({
      url: z.url().openapi({ description: "Signed, expiring link to the converted file." }),
      bytes: z.number().int(),
      width: z.number().int(),
      height: z.number().int(),
      contentType: z.string().openapi({ example: "image/webp" }),
    })
    .nullable(),
  error: z.string().nullable().openapi({ description: "Why the item failed (after its retries)." }),
});

export const SessionSchema = z
  .object({
    id: z.string().openapi({ example: "prs_7Hq2mX9bV4sLr8cW1yZ3Aa" }),
    status: z.enum(STATUSES),
    output: ProcessingOutputSchema,
    items: z.array(ItemSchema),
    progress: z.object({ done: z.number().int(), failed: z.number().int(), total: z.number().int() }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int().openapi({ description: "Send it back as `If-Match` to edit the session." }),
  })
  .openapi("ProcessingSession");

export const SessionPageSchema = z
  .object({ items: z.array(SessionSchema), nextCursor: z.string().nullable() })
  .openapi("ProcessingSessionPage");

export const SessionIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "prs_7Hq2mX9bV4sLr8cW1yZ3Aa" }),
});

export const SessionListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().max(512).optional(),
  status: z.enum(STATUSES).optional(),
});

export const IfMatchHeaderSchema = z.object({
  "if-match": z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "if-match", in: "header" },
      description: "The session's `version` (its ETag) as you read it.",
      example: '"3"',
    }),
});
