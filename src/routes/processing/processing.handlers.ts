import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError } from "../../lib/problem";
import { sessionArchive } from "../../processing/archive";
import type { SessionState } from "../../processing/session-types";
import {
  changeSessionStatus,
  createSession,
  deleteSession,
  editSession,
  getSession,
  listSessions,
  watchSession,
} from "../../processing/sessions";
import type { AppEnv } from "../http/app-env";
import { processingDeps } from "../http/service-deps";
import { presentEvents } from "./present-events";
import { presentSession } from "./processing.presenters";
import type * as routes from "./processing.routes";

async function sessionJson<S extends 200 | 201>(c: Context<AppEnv>, state: SessionState, status: S) {
  c.header("ETag", `"${state.version}"`);
  return c.json(await presentSession(c, state), status);
}

export const createSessionHandler: RouteHandler<typeof routes.createSession, AppEnv> = async (c) =>
  sessionJson(c, await createSession(processingDeps(c), c.var.auth.userId, c.req.valid("json")), 201);

export const listSessionsHandler: RouteHandler<typeof routes.listSessions, AppEnv> = async (c) => {
  const page = await listSessions(processingDeps(c), c.var.auth.userId, c.req.valid("query"));
  const items = await Promise.all(page.sessions.map((state) => presentSession(c, state)));
  return c.json({ items, nextCursor: page.nextCursor }, 200);
};

export const getSessionHandler: RouteHandler<typeof routes.getSession, AppEnv> = async (c) =>
  sessionJson(c, await getSession(processingDeps(c), c.var.auth.userId, c.req.valid("param").id), 200);

export const updateSessionHandler: RouteHandler<typeof routes.updateSession, AppEnv> = async (c) => {
  const ifMatch = parseIfMatch(c.req.valid("header")["if-match"]);
  const state = await editSession(processingDeps(c), c.var.auth.userId, c.req.valid("param").id, {
    ifMatch,
    ...c.req.valid("json"),
  });
  return sessionJson(c, state, 200);
};

const lifecycleHandler =
  (action: "start" | "pause" | "resume" | "cancel"): RouteHandler<typeof routes.startSession, AppEnv> =>
  async (c) =>
    sessionJson(
      c,
      await changeSessionStatus(processingDeps(c), c.var.auth.userId, c.req.valid("param").id, action),
      200,
    );

export const startSessionHandler = lifecycleHandler("start");
export const pauseSessionHandler = lifecycleHandler("pause");
export const resumeSessionHandler = lifecycleHandler("resume");
export const cancelSessionHandler = lifecycleHandler("cancel");

export const deleteSessionHandler: RouteHandler<typeof routes.deleteSession, AppEnv> = async (c) => {
  await deleteSession(processingDeps(c), c.var.auth.userId, c.req.valid("param").id);
  return c.body(null, 204);
};

export const sessionEventsHandler: RouteHandler<typeof routes.sessionEvents, AppEnv> = async (c) =>
  presentEvents(c, await watchSession(processingDeps(c), c.var.auth.userId, c.req.valid("param").id));

export const sessionArchiveHandler: RouteHandler<typeof routes.sessionArchive, AppEnv> = async (c) => {
  const archive = await sessionArchive(
    { ...processingDeps(c), bucket: c.env.BUCKET },
    c.var.auth.userId,
    c.req.valid("param").id,
  );
  return new Response(archive.body, {
    headers: {
      "Content-Type": "application/zip",
      "Content-Disposition": `attachment; filename="${archive.filename}"`,
      "Cache-Control": "no-store",
    },
  });
};

/** `If-Match: "3"` (or `W/"3"`, or `3`) → 3. */
function parseIfMatch(header: string | undefined): number {
  if (header === undefined) {
    throw new ApiError("precondition_required", 'Send `If-Match` with the version you read (e.g. `If-Match: "3"`).');
  }
  const version = Number(/^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim())?.[1]);
  if (!Number.isSafeInteger(version)) {
    throw new ApiError("precondition_failed", "`If-Match` does not name a version of this session.");
  }
  return version;
}
