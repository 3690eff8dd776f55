import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { PresetNameSchema } from "../images/presets.routes";
import { checkRenditionOptions, renditionOptionFields } from "../images/rendition-options.routes";
import { chain, limitJsonBody, requireAuth } from "../routes/middleware";
import { jsonBody, jsonContent } from "../routes/openapi";
import { problemResponses } from "../routes/problem";
import { FILE_GONE } from "./gone-files";

const STATUSES = ["draft", "running", "paused", "completed", "failed", "cancelled"] as const;

export const ProcessingOutputSchema = z
  .strictObject({
    format: z.enum(["webp", "avif", "jpeg", "png"]).openapi({ example: "webp" }),
    // The same options as a rendition (GET /v1/images/{id}/file), as JSON: each converted image is that rendition.
    ...renditionOptionFields,
  })
  .superRefine(checkRenditionOptions)
  .openapi("ProcessingOutput", {
    description:
      "What every image is converted to: the options of a rendition (GET /v1/images/{id}/file), nested where the " +
      "query string spells them flat (`trim: {top}` for `trim.top`, `gravity: {x, y}` for `gravity=XxY`, " +
      "`watermark: {imageId, opacity, gravity, width}` for `watermark=…&watermark.opacity=…`). A `watermark.imageId` " +
      "must be one of your images, like `imageIds`.",
    example: { format: "webp", quality: 80, width: 1600 },
  });

const ImageIdsSchema = z
  .array(z.string().min(1).max(64))
  .min(1)
  .max(100)
  .openapi({
    description: "1–100 of your image ids, in the order to convert them.",
    example: ["img_q3m9Xc2LrT0bWvYd1NkA8g"],
  });

export const CreateSessionSchema = z
  .strictObject({
    imageIds: ImageIdsSchema,
    output: ProcessingOutputSchema.optional(),
    preset: PresetNameSchema.optional().openapi({
      description:
        "Instead of `output`: a preset of yours or a built-in one (GET /v1/presets), resolved now into the session's " +
        "`output` (a later change of the preset does not change the session). An unknown name is a 400 naming it.",
      example: "web",
    }),
  })
  .superRefine((body, ctx) => {
    if ((body.output === undefined) === (body.preset === undefined)) {
      const message =
        body.output === undefined
          ? "Give the session an `output`, or a `preset` to take it from."
          : "Give `output` or `preset`, not both.";
      for (const path of ["output", "preset"]) ctx.addIssue({ code: "custom", path: [path], message });
    }
  })
  .openapi("CreateProcessingSession", { description: "`imageIds` and exactly one of `output` and `preset`." });

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
      gone: z
        .enum(FILE_GONE)
        .nullable()
        .openapi({
          description:
            "Null while the file this item made is stored. Otherwise why it is gone (a converted file follows its " +
            "image): `edited`, the image was edited after it was converted, so `url` now shows the edited picture " +
            "in this session's output, while `bytes`, `width` and `height` still describe the earlier file; " +
            "`imageDeleted`, the image was deleted (`url` answers " +
            "404); `watermarkDeleted`, the image the output draws as a watermark was deleted (`url` answers 404). " +
            "The archive leaves such items out and lists them in `omitted.txt`.",
          example: null,
        }),
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

const tags = ["Processing"];
const security = [{ bearerAuth: [] }];
const etagHeader = {
  ETag: { description: "The session's version, for `If-Match`.", schema: { type: "string" as const } },
};
const sessionResponse = (description: string) => ({ ...jsonContent(SessionSchema, description), headers: etagHeader });

export const createSessionRoute = createRoute({
  operationId: "createProcessingSession",
  method: "post",
  path: "/v1/processing-sessions",
  tags,
  security,
  middleware: chain(limitJsonBody, requireAuth),
  summary: "Create a conversion session",
  description:
    "A draft that converts 1–100 of your images to one output: a format and any option of a rendition (size, fit, " +
    "quality, rotate, flip, trim, gravity, colour adjustments, blur, sharpen, background, border, metadata, a " +
    "watermark), as GET /v1/images/{id}/file takes them, nested (`trim: {top}`, `watermark: {imageId, …}`). Each " +
    "converted file is that rendition (the same file, made once). Nothing runs until " +
    "`…/start`. Instead of `output`, `preset` names a preset of yours or a built-in one (GET /v1/presets): it is " +
    "resolved into the session's `output` at once. The session lives in its own Durable Object: every device and " +
    "login of yours sees the same state. " +
    "Ids that are not yours, in `imageIds` or as `output.watermark.imageId`, are refused (422) without saying " +
    "whether they exist; options that do not go together are a 400 naming them.",
  request: {
    body: jsonBody(CreateSessionSchema, {
      imageIds: ["img_q3m9Xc2LrT0bWvYd1NkA8g"],
      output: {
        format: "webp",
        quality: 80,
        width: 1600,
        sharpen: 1,
        watermark: { imageId: "img_7Hq2mX9bV4sLr8cW1yZ3Aa", opacity: 0.5, gravity: "bottom-right", width: 0.2 },
      },
    }),
  },
  responses: {
    201: sessionResponse("The new draft."),
    ...problemResponses(400, 401, 413, 422),
  },
});

export const listSessionsRoute = createRoute({
  operationId: "listProcessingSessions",
  method: "get",
  path: "/v1/processing-sessions",
  tags,
  security,
  middleware: requireAuth,
  summary: "Your conversion sessions, newest first",
  request: { query: SessionListQuerySchema },
  responses: {
    200: jsonContent(SessionPageSchema, "A page of sessions."),
    ...problemResponses(400, 401),
  },
});

export const getSessionRoute = createRoute({
  operationId: "getProcessingSession",
  method: "get",
  path: "/v1/processing-sessions/{id}",
  tags,
  security,
  middleware: requireAuth,
  summary: "A conversion session",
  description: "Its state and every item's progress; finished items link to their converted files.",
  request: { params: SessionIdParamSchema },
  responses: {
    200: sessionResponse("The session."),
    ...problemResponses(400, 401, 404),
  },
});

export const updateSessionRoute = createRoute({
  operationId: "updateProcessingSession",
  method: "patch",
  path: "/v1/processing-sessions/{id}",
  tags,
  security,
  middleware: chain(limitJsonBody, requireAuth),
  summary: "Edit a draft's images or output",
  description:
    "Needs `If-Match` with the version you read (428 without it), so two devices cannot overwrite each other: a " +
    "stale version is 412. Only drafts can be edited (409 otherwise).",
  request: { params: SessionIdParamSchema, headers: IfMatchHeaderSchema, body: jsonBody(UpdateSessionSchema) },
  responses: {
    200: sessionResponse("The edited draft."),
    ...problemResponses(400, 401, 404, 409, 412, 413, 422, 428),
  },
});

const lifecycle = (action: "start" | "pause" | "resume" | "cancel", summary: string, description: string) =>
  createRoute({
    operationId: `${action}ProcessingSession`,
    method: "post",
    path: `/v1/processing-sessions/{id}/${action}`,
    tags,
    security,
    middleware: requireAuth,
    summary,
    description,
    request: { params: SessionIdParamSchema },
    responses: {
      200: sessionResponse("The session after the change."),
      ...problemResponses(400, 401, 404, 409),
    },
  });

export const startSessionRoute = lifecycle(
  "start",
  "Start converting",
  "A draft starts running: items convert one after another, in the background, whatever happens to this " +
    "connection. At most `MAX_RUNNING_SESSIONS` of yours run at once (409 beyond).",
);
export const pauseSessionRoute = lifecycle("pause", "Pause", "A running session stops after the item in progress.");
export const resumeSessionRoute = lifecycle("resume", "Resume", "A paused session continues where it stopped.");
export const cancelSessionRoute = lifecycle(
  "cancel",
  "Cancel",
  "Stops for good; items done so far stay available until the session expires.",
);

export const deleteSessionRoute = createRoute({
  operationId: "deleteProcessingSession",
  method: "delete",
  path: "/v1/processing-sessions/{id}",
  tags,
  security,
  middleware: requireAuth,
  summary: "Delete a session",
  description: "Its converted files stay with their images (renditions are shared and made once).",
  request: { params: SessionIdParamSchema },
  responses: {
    204: { description: "Deleted." },
    ...problemResponses(400, 401, 404),
  },
});

export const sessionEventsRoute = createRoute({
  operationId: "getProcessingSessionEvents",
  method: "get",
  path: "/v1/processing-sessions/{id}/events",
  tags,
  security,
  middleware: requireAuth,
  summary: "Live progress (Server-Sent Events)",
  description:
    "A `session` event at once, then one after every change, from any device; each carries exactly what " +
    "GET /v1/processing-sessions/{id} would answer then. The stream ends when the session finishes; " +
    "reconnecting starts again from the current state.",
  request: { params: SessionIdParamSchema },
  responses: {
    200: { description: "The event stream.", content: { "text/event-stream": { schema: z.string() } } },
    ...problemResponses(400, 401, 404),
  },
});

export const sessionArchiveRoute = createRoute({
  operationId: "getProcessingSessionArchive",
  method: "get",
  path: "/v1/processing-sessions/{id}/archive",
  tags,
  security,
  middleware: requireAuth,
  summary: "All converted files as one ZIP",
  description:
    "Streamed as it is read from storage. 409 while nothing has been converted yet. Nothing is left out silently: " +
    "when an item has no file in the archive (not converted yet, failed, or its image was deleted after it was " +
    "converted), the archive ends with `omitted.txt`, one line per such item: the image id, a tab, the reason. It is " +
    "absent when every item has its file.",
  request: { params: SessionIdParamSchema },
  responses: {
    200: {
      description: "The archive.",
      content: { "application/zip": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...problemResponses(400, 401, 404, 409),
  },
});
