import { ownedImageIds } from "../images/store/image-rows";
import type { Config } from "../lib/config";
import { newId } from "../lib/ids";
import { ApiError, invalidField } from "../lib/problem";
import { seqBefore, seqPage } from "../lib/seq-cursor";
import type { Outcome } from "./engine/session-engine";
import type { ProcessingOutput, SessionState, SessionStatus } from "./session-types";
import { listSessionIndex, ownsSession } from "./store/session-index";

// The processing-session services: the owner is checked in D1 (SQL filtered by user) before a session object is
// touched, and the object checks it again.

export interface ProcessingDeps {
  db: D1Database;
  sessions: Env["PROCESSING_SESSIONS"];
  config: Config;
}

function sessionObject(deps: ProcessingDeps, id: string) {
  return deps.sessions.get(deps.sessions.idFromName(id));
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw new ApiError(outcome.kind, outcome.detail);
}

function notFound(): ApiError {
  return new ApiError("not_found", "No processing session with this id.");
}

/** 1 to MAX_SESSION_IMAGES distinct ids, every one the caller's; others are named without saying whether they exist. */
async function checkSelection(deps: ProcessingDeps, userId: string, imageIds: string[]): Promise<string[]> {
  const unique = [...new Set(imageIds)];
  if (unique.length > deps.config.MAX_SESSION_IMAGES) {
    throw invalidField(
      "body.imageIds",
      `A session converts at most ${deps.config.MAX_SESSION_IMAGES} images (MAX_SESSION_IMAGES); this asks for ${unique.length}.`,
    );
  }
  const owned = await ownedImageIds(deps.db, userId, unique);
  const unknown = unique.filter((id) => !owned.has(id));
  if (unknown.length > 0) {
    throw new ApiError("unprocessable", `These are not ids of your images: ${unknown.join(", ")}.`, {
      errors: unknown.map((id) => ({ path: "body.imageIds", message: `${id} is not one of your images` })),
    });
  }
  return unique;
}

export async function createSession(
  deps: ProcessingDeps,
  userId: string,
  input: { imageIds: string[]; output: ProcessingOutput },
): Promise<SessionState> {
  const imageIds = await checkSelection(deps, userId, input.imageIds);
  const id = newId("prs");
  return unwrap(await sessionObject(deps, id).create({ id, userId, output: input.output, imageIds }));
}

export async function getSession(deps: ProcessingDeps, userId: string, id: string): Promise<SessionState> {
  if (!(await ownsSession(deps.db, userId, id))) throw notFound();
  const state = await sessionObject(deps, id).view(userId);
  if (!state) throw notFound();
  return state;
}

export async function listSessions(
  deps: ProcessingDeps,
  userId: string,
  input: { limit: number; cursor?: string | undefined; status?: SessionStatus | undefined },
): Promise<{ sessions: SessionState[]; nextCursor: string | null }> {
  const rows = await listSessionIndex(deps.db, {
    userId,
    limit: input.limit + 1,
    beforeSeq: seqBefore(input.cursor),
    status: input.status,
  });
  const { page, nextCursor } = seqPage(rows, input.limit);
  const states: (SessionState | null)[] = await Promise.all(
    page.map((row) => sessionObject(deps, row.id).view(userId)),
  );
  return { sessions: states.filter((state): state is SessionState => state !== null), nextCursor };
}

export async function editSession(
  deps: ProcessingDeps,
  userId: string,
  id: string,
  input: { ifMatch: number; imageIds?: string[] | undefined; output?: ProcessingOutput | undefined },
): Promise<SessionState> {
  if (!(await ownsSession(deps.db, userId, id))) throw notFound();
  const imageIds = input.imageIds ? await checkSelection(deps, userId, input.imageIds) : undefined;
  return unwrap(await sessionObject(deps, id).edit(userId, input.ifMatch, { imageIds, output: input.output }));
}

export async function changeSessionStatus(
  deps: ProcessingDeps,
  userId: string,
  id: string,
  action: "start" | "pause" | "resume" | "cancel",
): Promise<SessionState> {
  if (!(await ownsSession(deps.db, userId, id))) throw notFound();
  // The object judges the transition first, then (for start and resume) the running-sessions limit.
  return unwrap(
    await sessionObject(deps, id).transition(userId, action, { maxRunning: deps.config.MAX_RUNNING_SESSIONS }),
  );
}

export async function deleteSession(deps: ProcessingDeps, userId: string, id: string): Promise<void> {
  if (!(await ownsSession(deps.db, userId, id)) || !(await sessionObject(deps, id).destroy(userId))) throw notFound();
}

/**
 * A connection to the session's object that receives its state now and after every change (JSON text messages)
 * and closes when the session finishes or is deleted. The caller presents the states and closes it when done.
 */
export async function watchSession(deps: ProcessingDeps, userId: string, id: string): Promise<WebSocket> {
  if (!(await ownsSession(deps.db, userId, id))) throw notFound();
  const response = await sessionObject(deps, id).fetch("https://session/watch", {
    headers: { Upgrade: "websocket", "X-Session-Owner": userId },
  });
  if (response.status === 404 || !response.webSocket) throw notFound();
  response.webSocket.accept();
  return response.webSocket;
}
