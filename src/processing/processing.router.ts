import type { Context } from "hono";
import { ApiError } from "../lib/problem";
import type { AppEnv, CallerEnv } from "../routes/context";
import { createRouter } from "../routes/create-router";
import { presentEvents, presentSession } from "./processing.presenters";
import {
  cancelSessionRoute,
  createSessionRoute,
  deleteSessionRoute,
  getSessionRoute,
  listSessionsRoute,
  pauseSessionRoute,
  resumeSessionRoute,
  sessionArchiveRoute,
  sessionEventsRoute,
  startSessionRoute,
  updateSessionRoute,
} from "./processing.routes";
import type { SessionAction, SessionState } from "./session-types";

export const processingRouter = createRouter()
  .openapi(createSessionRoute, async (c) =>
    sessionJson(c, await c.var.services.processing.create(c.var.caller, c.req.valid("json")), 201),
  )
  .openapi(listSessionsRoute, async (c) => {
    const page = await c.var.services.processing.list(c.var.caller, c.req.valid("query"));
    return c.json({ items: await presentSessions(c, page.sessions), nextCursor: page.nextCursor }, 200);
  })
  .openapi(getSessionRoute, async (c) =>
    sessionJson(c, await c.var.services.processing.get(c.var.caller, c.req.valid("param").id), 200),
  )
  .openapi(updateSessionRoute, async (c) => {
    const ifMatch = parseIfMatch(c.req.valid("header")["if-match"]);
    const state = await c.var.services.processing.edit(c.var.caller, c.req.valid("param").id, {
      ifMatch,
      ...c.req.valid("json"),
    });
    return sessionJson(c, state, 200);
  })
  .openapi(startSessionRoute, (c) => transition(c, c.req.valid("param").id, "start"))
  .openapi(pauseSessionRoute, (c) => transition(c, c.req.valid("param").id, "pause"))
  .openapi(resumeSessionRoute, (c) => transition(c, c.req.valid("param").id, "resume"))
  .openapi(cancelSessionRoute, (c) => transition(c, c.req.valid("param").id, "cancel"))
  .openapi(deleteSessionRoute, async (c) => {
    await c.var.services.processing.delete(c.var.caller, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(sessionEventsRoute, async (c) =>
    presentEvents(
      await c.var.services.processing.watch(c.var.caller, c.req.valid("param").id),
      async (state) => (await presentSessions(c, [state]))[0]!,
    ),
  )
  .openapi(sessionArchiveRoute, async (c) => {
    const archive = await c.var.services.processing.archive(c.var.caller, c.req.valid("param").id);
    return new Response(archive.body, {
      headers: {
        "Content-Type": "application/zip",
        "Content-Disposition": `attachment; filename="${archive.filename}"`,
        "Cache-Control": "no-store",
      },
    });
  });

async function transition<E extends AppEnv & CallerEnv>(c: Context<E>, id: string, action: SessionAction) {
  return sessionJson(c, await c.var.services.processing.transition(c.var.caller, id, action), 200);
}

async function sessionJson<S extends 200 | 201, E extends AppEnv & CallerEnv>(
  c: Context<E>,
  state: SessionState,
  status: S,
) {
  c.header("ETag", `"${state.version}"`);
  return c.json((await presentSessions(c, [state]))[0]!, status);
}

/** Sessions as the API shows them, with what became of their files since (one call to the caller's library). */
async function presentSessions<E extends AppEnv & CallerEnv>(c: Context<E>, states: SessionState[]) {
  const gone = await c.var.services.processing.goneFiles(c.var.caller, states);
  return Promise.all(states.map((state, i) => presentSession(c, state, gone[i]!)));
}

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
