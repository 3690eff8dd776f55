import { createRoute, z } from "@hono/zod-openapi";
import { limitJsonBody } from "../http/body-limits";
import { jsonBody, jsonContent } from "../http/openapi-helpers";
import { problemResponses } from "../http/problem";
import { requireAuth } from "../http/require-auth";
import {
  CreateSessionSchema,
  IfMatchHeaderSchema,
  SessionIdParamSchema,
  SessionListQuerySchema,
  SessionPageSchema,
  SessionSchema,
  UpdateSessionSchema,
} from "./processing.schemas";

const tags = ["Processing"];
const security = [{ bearerAuth: [] }];
const etagHeader = {
  ETag: { description: "The session's version, for `If-Match`.", schema: { type: "string" as const } },
};
const sessionResponse = (description: string) => ({ ...jsonContent(SessionSchema, description), headers: etagHeader });

export const createSession = createRoute({
  operationId: "createProcessingSession",
  method: "post",
  path: "/v1/processing-sessions",
  tags,
  security,
  middleware: [limitJsonBody, requireAuth],
  summary: "Create a conversion session",
  description:
    "A draft that converts 1–100 of your images to one output (format, size, quality). Nothing runs until " +
    "`…/start`. The session lives in its own Durable Object: every device and login of yours sees the same state. " +
    "Ids that are not yours are refused (422) without saying whether they exist.",
  request: {
    body: jsonBody(CreateSessionSchema, {
      imageIds: ["img_q3m9Xc2LrT0bWvYd1NkA8g"],
      output: { format: "webp", quality: 80, width: 1600 },
    }),
  },
  responses: {
    201: sessionResponse("The new draft."),
    ...problemResponses(400, 401, 413, 422),
  },
});

export const listSessions = createRoute({
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

export const getSession = createRoute({
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

export const updateSession = createRoute({
  operationId: "updateProcessingSession",
  method: "patch",
  path: "/v1/processing-sessions/{id}",
  tags,
  security,
  middleware: [limitJsonBody, requireAuth],
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

export const startSession = lifecycle(
  "start",
  "Start converting",
  "A draft starts running: items convert one after another, in the background, whatever happens to this " +
    "connection. At most `MAX_RUNNING_SESSIONS` of yours run at once (409 beyond).",
);
export const pauseSession = lifecycle("pause", "Pause", "A running session stops after the item in progress.");
export const resumeSession = lifecycle("resume", "Resume", "A paused session continues where it stopped.");
export const cancelSession = lifecycle(
  "cancel",
  "Cancel",
  "Stops for good; items done so far stay available until the session expires.",
);

export const deleteSession = createRoute({
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

export const sessionEvents = createRoute({
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

export const sessionArchive = createRoute({
  operationId: "getProcessingSessionArchive",
  method: "get",
  path: "/v1/processing-sessions/{id}/archive",
  tags,
  security,
  middleware: requireAuth,
  summary: "All converted files as one ZIP",
  description: "Streamed as it is read from storage. 409 while nothing has been converted yet.",
  request: { params: SessionIdParamSchema },
  responses: {
    200: {
      description: "The archive.",
      content: { "application/zip": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...problemResponses(400, 401, 404, 409),
  },
});
