// What the contract and docs/processing.md say about processing sessions, checked on every fuzzed request to
// /v1/processing-sessions*, beyond the schema: a session that is not the caller's (another user's, deleted, or
// never made) is a 404 whatever is asked of it; the state machine (`draft` → `running` ⇄ `paused` → `completed` |
// `failed`, `cancelled` from any unfinished state) allows no other transition, and refuses a wrong one with 409;
// only a draft is edited, with `If-Match` naming its version (412 when stale, 428 without); a session reads back as
// it was made; `/events` starts with the session as GET shows it and ends once the session is finished; the archive
// is a ZIP once an item is converted, a 409 before.
import { env } from "cloudflare:workers";
import { BUILT_IN_PRESETS, isBuiltInPreset } from "../../src/images/presets";
import type { RenditionParams } from "../../src/images/rendition-options";
import { optionProblems } from "../../src/images/rendition-options";
import { getConfig } from "../../src/lib/config";
import {
  FINISHED_STATUSES,
  type FuzzState,
  isSessionBody,
  type KnownProcessingSession,
  type ProcessingStatus,
  type Received,
  type SessionBody,
  setupCall,
} from "./fuzz-state";
import type { BuiltRequest, RequestPlan } from "./request-plan";
import type { Operation } from "./spec";
import { validateAgainst } from "./validate-response";

const LIFECYCLE: Record<string, { from: ProcessingStatus[]; to: ProcessingStatus }> = {
  startProcessingSession: { from: ["draft"], to: "running" },
  pauseProcessingSession: { from: ["running"], to: "paused" },
  resumeProcessingSession: { from: ["paused"], to: "running" },
  cancelProcessingSession: { from: ["draft", "running", "paused"], to: "cancelled" },
};

export const LIFECYCLE_OPERATIONS: readonly string[] = Object.keys(LIFECYCLE);

/** The processing operations, in the order the summary shows them. */
export const PROCESSING_OPERATIONS = [
  "createProcessingSession",
  "listProcessingSessions",
  "getProcessingSession",
  "updateProcessingSession",
  ...LIFECYCLE_OPERATIONS,
  "deleteProcessingSession",
  "getProcessingSessionEvents",
  "getProcessingSessionArchive",
] as const;

/** How often each invariant had something to hold (so a summary shows what was really exercised). */
export const exercised = new Map<string, number>();

function tally(name: string): void {
  exercised.set(name, (exercised.get(name) ?? 0) + 1);
}

/** What the state knew before the request: the session in the path, and how many of the caller's are running. */
export interface Before {
  known: KnownProcessingSession | undefined;
  running: number;
}

export function snapshot(built: BuiltRequest, state: FuzzState): Before {
  const known = built.pathId === undefined ? undefined : state.processing.get(built.pathId);
  return {
    known: known && { ...known, imageIds: [...known.imageIds] },
    running: built.caller ? state.processingOf(built.caller.userId, ["running"]).length : 0,
  };
}

/** The statuses a session last seen in `status` can be in now (a running one finishes by itself). */
function possibleNow(status: ProcessingStatus): ProcessingStatus[] {
  return status === "running" ? ["running", "completed", "failed"] : [status];
}

/** The version an `If-Match` value names, in the forms the API reads (`"3"`, `W/"3"`, `3`); else undefined. */
export function namedVersion(header: string | null): number | undefined {
  if (header === null) return undefined;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  return match ? Number(match[1]) : undefined;
}

/** The first event of an event stream, parsed (`undefined` when there is none). */
export function firstEvent(body: Uint8Array): { name: string | undefined; data: unknown } | undefined {
  const text = new TextDecoder().decode(body);
  const end = text.indexOf("\n\n");
  if (end < 0) return undefined;
  const block = text.slice(0, end);
  const name = /^event: ?(.*)$/m.exec(block)?.[1];
  const raw = /^data: ?(.*)$/m.exec(block)?.[1];
  let data: unknown;
  try {
    data = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    data = raw;
  }
  return { name, data };
}

const unique = (ids: string[]) => [...new Set(ids)];

/** JSON with object keys sorted, for comparing outputs whatever order their members come in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/**
 * The body sent was valid for the operation's schema, under its declared content type, and its `output` keeps the
 * rules between processing options that a schema cannot state (gravity only with a crop, a border all round or per
 * side: rendition-options.ts, the route's description): so nothing refuses it as invalid.
 */
function validBody(op: Operation, plan: RequestPlan, body: unknown): boolean {
  if (plan.body.kind !== "schema" || plan.body.contentType !== "declared") return false;
  const schema = op.requestBody?.content[plan.body.mediaType]?.schema;
  if (schema === undefined || validateAgainst(`${op.id} request body`, schema, body).length > 0) return false;
  const output = isRecord(body) && isRecord(body.output) ? body.output : undefined;
  return output === undefined || optionProblems(output as RenditionParams).length === 0;
}

/**
 * The output a create asks for: `output` as sent, or what the built-in preset it names stands for. Undefined when it
 * gives neither or both (a 400 the schema cannot state: exactly one of them), or names a preset of its user's own,
 * which the fuzz does not track.
 */
function requestedOutput(body: unknown): Record<string, unknown> | undefined {
  if (!isRecord(body) || (body.output === undefined) === (body.preset === undefined)) return undefined;
  if (isRecord(body.output)) return body.output;
  return typeof body.preset === "string" && isBuiltInPreset(body.preset)
    ? { ...BUILT_IN_PRESETS[body.preset] }
    : undefined;
}

/** The output's watermark, when it names one, is one of `userId`'s live images (refused like a foreign id if not). */
function ownWatermark(state: FuzzState, userId: string, body: unknown): boolean {
  const output = isRecord(body) && isRecord(body.output) ? body.output : undefined;
  const watermark = output && isRecord(output.watermark) ? output.watermark.imageId : undefined;
  return watermark === undefined || allOwnAlive(state, userId, [watermark]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every id is one of `userId`'s images that the state knows to be alive. */
function allOwnAlive(state: FuzzState, userId: string, ids: unknown[]): boolean {
  return ids.every((id) => {
    const image = typeof id === "string" ? state.images.get(id) : undefined;
    return image !== undefined && image.ownerId === userId && !image.deleted;
  });
}

/** Internal consistency of a session body, and how it must relate to what was known of it. */
function bodyViolations(
  body: SessionBody,
  expect: { id?: string; statuses?: ProcessingStatus[]; imageIds?: string[]; minDone?: number; minVersion?: number },
): string[] {
  const out: string[] = [];
  if (expect.id !== undefined && body.id !== expect.id) out.push(`answered session ${body.id} for ${expect.id}`);
  if (expect.statuses && !expect.statuses.includes(body.status)) {
    out.push(`session is ${body.status}; it can only be ${expect.statuses.join(" or ")} now`);
  }
  const ids = body.items.map((item) => item.imageId);
  if (expect.imageIds && canonical(ids) !== canonical(expect.imageIds)) {
    out.push(`items ${JSON.stringify(ids)} differ from the session's ${JSON.stringify(expect.imageIds)}`);
  }
  const count = (status: string) => body.items.filter((item) => item.status === status).length;
  const { done, failed, total } = body.progress;
  if (done !== count("done") || failed !== count("failed") || total !== body.items.length) {
    out.push(`progress ${JSON.stringify(body.progress)} does not count its items`);
  }
  for (const item of body.items) {
    if ((item.status === "done") !== (item.rendition !== null)) {
      out.push(`item ${item.imageId} is ${item.status} with rendition ${JSON.stringify(item.rendition)}`);
      break;
    }
  }
  if (expect.minDone !== undefined && done < expect.minDone) {
    out.push(`${done} items done, but ${expect.minDone} were done before (a done item is never redone)`);
  }
  if (expect.minVersion !== undefined && body.version < expect.minVersion) {
    out.push(`version ${body.version} is older than ${expect.minVersion}, seen before`);
  }
  if (body.status === "completed" || body.status === "failed") {
    const open = count("pending") + count("processing");
    if (open > 0) out.push(`a ${body.status} session has ${open} items still pending or processing`);
    // docs/processing.md: "A session with no item converted ends `failed`, else `completed`."
    if (body.status === "completed" && done === 0) out.push("completed with no item converted (must be failed)");
    if (body.status === "failed" && done > 0) out.push(`failed with ${done} items converted (must be completed)`);
  }
  return out;
}

function etagViolations(received: Received, body: SessionBody): string[] {
  const etag = received.headers.get("etag");
  return etag === `"${body.version}"` ? [] : [`ETag ${JSON.stringify(etag)} is not the version "${body.version}"`];
}

/**
 * Violations of the processing contract by one response. `before` is what the state knew before the request was
 * sent; `json` the parsed body. May read a created session back (a "(check)" request).
 */
export async function processingViolations(
  op: Operation,
  plan: RequestPlan,
  built: BuiltRequest,
  received: Received,
  json: unknown,
  before: Before,
  state: FuzzState,
): Promise<string[]> {
  const out: string[] = [];
  const { status } = received;
  const caller = built.caller;
  if (!caller || !built.validCredential) return out;
  const main = caller === state.a || caller === state.b;
  const ok = status >= 200 && status < 300;
  const sent = built.jsonBody;

  if (op.id === "createProcessingSession") {
    const ids = isRecord(sent) && Array.isArray(sent.imageIds) ? sent.imageIds : undefined;
    const own = ids !== undefined && allOwnAlive(state, caller.userId, ids);
    if (ok) {
      if (!own) out.push(`created a session from image ids that are not all the caller's: ${JSON.stringify(ids)}`);
      if (isSessionBody(json) && ids) {
        tally("created sessions checked and read back (same items, output, draft)");
        const expectedIds = unique(ids as string[]);
        out.push(...bodyViolations(json, { statuses: ["draft"], imageIds: expectedIds }));
        out.push(...etagViolations(received, json));
        if (json.version !== 1) out.push(`a new session is at version ${json.version}`);
        if (json.items.some((item) => item.status !== "pending")) out.push("a new session has items not pending");
        const requested = requestedOutput(sent);
        if (requested && canonical(json.output) !== canonical(requested)) {
          out.push(`output ${JSON.stringify(json.output)} is not the one asked for, ${JSON.stringify(requested)}`);
        }
        // A created session's GET returns the same session.
        const read = await setupCall(
          "getProcessingSession",
          `/v1/processing-sessions/${json.id}`,
          { headers: { authorization: `Bearer ${caller.accessToken}` } },
          [200],
          "(check)",
        ).catch((error: Error) => error);
        if (read instanceof Error) out.push(`reading the new session back failed: ${read.message}`);
        else if (isSessionBody(read.json)) {
          out.push(
            ...bodyViolations(read.json, { id: json.id, statuses: ["draft"], imageIds: expectedIds }).map(
              (v) => `read back: ${v}`,
            ),
          );
          if (canonical(read.json.output) !== canonical(json.output)) out.push("read back: another output");
          if (read.json.version !== json.version) out.push(`read back: version ${read.json.version}`);
        }
      }
    }
    const requested = requestedOutput(sent);
    if (main && ids && requested && validBody(op, plan, sent)) {
      const output = requested;
      const small = [output.width, output.height].every((side) => side === undefined || Number(side) <= 1600);
      const watermarkOwn = ownWatermark(state, caller.userId, sent);
      if (own && small && watermarkOwn) {
        tally("valid creates from the caller's own images (must be 201)");
        if (!ok) out.push(`refused a valid session of the caller's own images with ${status}`);
      } else if (!own || !watermarkOwn) {
        // "Ids that are not yours, in `imageIds` or as `output.watermark.imageId`, are refused (422) without saying
        // whether they exist."
        tally("creates naming images that are not the caller's (must be 422)");
        if (status !== 422) out.push(`image ids that are not the caller's got ${status}, not 422`);
      }
    }
    return out;
  }

  if (op.id === "listProcessingSessions") {
    if (ok && isRecord(json) && Array.isArray(json.items)) {
      for (const item of json.items) {
        const known = isSessionBody(item) ? state.processing.get(item.id) : undefined;
        if (known && known.ownerId !== caller.userId) out.push(`listed another user's session ${known.id}`);
        else if (known?.deleted) out.push(`listed the deleted session ${known.id}`);
        else if (known && isSessionBody(item)) {
          out.push(
            ...bodyViolations(item, {
              statuses: possibleNow(known.status),
              imageIds: known.imageIds,
              minDone: known.done,
              minVersion: known.version,
            }).map((v) => `listed ${known.id}: ${v}`),
          );
        }
      }
    }
    return out;
  }

  if (built.pathId === undefined || !op.path.startsWith("/v1/processing-sessions/{id}")) return out;
  const known = before.known;
  const mine = known !== undefined && !known.deleted && known.ownerId === caller.userId;
  const ifMatch = built.request.headers.get("if-match");

  if (!mine) {
    // Another user's session, a deleted one or none at all: a 404, unless the request is refused before the id is
    // looked at (invalid input, too large, no If-Match or one that names no version).
    const whose =
      known === undefined
        ? "a session that does not exist"
        : known.deleted
          ? "a deleted session"
          : "another user's session";
    if (ok) out.push(`answered ${status} for ${whose} (${built.pathId})`);
    else if (main) {
      const early = [400, 404, 413];
      if (op.id === "updateProcessingSession") {
        if (ifMatch === null) early.push(428);
        else if (namedVersion(ifMatch) === undefined) early.push(412);
      }
      tally(
        known === undefined
          ? "requests for sessions that do not exist (must be 404)"
          : "requests for another user's or a deleted session (must be 404)",
      );
      if (!early.includes(status)) out.push(`answered ${status} for ${whose}, not 404`);
    }
    return out;
  }

  const now = possibleNow(known.status);
  const expectBody = {
    id: known.id,
    statuses: now,
    imageIds: known.imageIds,
    minDone: known.done,
    minVersion: known.version,
  };

  switch (op.id) {
    case "getProcessingSession": {
      if (main) tally("owners' reads, deletes and event streams of their sessions (must be 2xx)");
      if (main && status !== 200) out.push(`the owner's GET of its session answered ${status}`);
      if (ok && isSessionBody(json)) out.push(...bodyViolations(json, expectBody), ...etagViolations(received, json));
      break;
    }
    case "deleteProcessingSession": {
      if (main) tally("owners' reads, deletes and event streams of their sessions (must be 2xx)");
      if (main && status !== 204) out.push(`the owner's DELETE of its session answered ${status}`);
      break;
    }
    case "updateProcessingSession": {
      const named = namedVersion(ifMatch);
      const ids = isRecord(sent) && Array.isArray(sent.imageIds) ? sent.imageIds : undefined;
      const valid =
        validBody(op, plan, sent) &&
        (ids === undefined || allOwnAlive(state, caller.userId, ids)) &&
        ownWatermark(state, caller.userId, sent);
      if (ok) {
        // Only a draft is edited, and only at the version the caller read.
        if (known.status !== "draft") out.push(`edited a ${known.status} session (only a draft can be edited)`);
        if (named !== known.version)
          out.push(`edited with If-Match ${JSON.stringify(ifMatch)} at version ${known.version}`);
        if (isSessionBody(json)) {
          const expectedIds = ids === undefined ? known.imageIds : unique(ids as string[]);
          out.push(
            ...bodyViolations(json, { id: known.id, statuses: ["draft"], imageIds: expectedIds }),
            ...etagViolations(received, json),
          );
          if (json.version <= known.version) out.push(`an edit left the version at ${json.version}`);
          if (isRecord(sent) && sent.output !== undefined && canonical(json.output) !== canonical(sent.output)) {
            out.push(`edited output ${JSON.stringify(json.output)} is not the one sent`);
          }
        }
      }
      if (main && valid) {
        if (ifMatch === null) {
          tally("edits without If-Match (must be 428)");
          if (status !== 428) out.push(`an edit without If-Match answered ${status}, not 428`);
        } else if (known.status === "draft" && named === known.version) {
          tally("edits of a draft at its version (must be 200)");
          if (!ok) out.push(`refused a valid edit of a draft at its version with ${status}`);
        } else if (known.status === "draft" && named !== undefined) {
          tally("edits of a draft at another version (must be 412)");
          if (status !== 412)
            out.push(`an edit at version ${named} of a draft at ${known.version} answered ${status}, not 412`);
        } else if (known.status !== "draft" && named !== undefined) {
          tally("edits of sessions that are not drafts (must not be 2xx)");
        }
      }
      break;
    }
    case "getProcessingSessionEvents": {
      if (main) tally("owners' reads, deletes and event streams of their sessions (must be 2xx)");
      if (main && status !== 200) out.push(`the owner's /events of its session answered ${status}`);
      if (!ok) break;
      const event = firstEvent(received.body);
      if (!event) {
        out.push("the event stream sent no complete event first");
        break;
      }
      tally("event streams read (first event: the session as GET shows it)");
      if (event.name !== "session") out.push(`the first event is ${JSON.stringify(event.name)}, not "session"`);
      const violations = validateAgainst(
        "ProcessingSession",
        { $ref: "#/components/schemas/ProcessingSession" },
        event.data,
      );
      if (violations.length > 0)
        out.push(`the first event's data does not match ProcessingSession: ${violations.join("; ")}`);
      else if (isSessionBody(event.data))
        out.push(...bodyViolations(event.data, expectBody).map((v) => `first event: ${v}`));
      // "The stream ends when the session finishes": one already finished has nothing more to tell.
      if (FINISHED_STATUSES.has(known.status)) {
        tally("event streams of finished sessions (must end)");
        if (received.streamEnded !== true) {
          out.push(
            `the event stream of a ${known.status} session did not end (read for ${FINISHED_STREAM_LINGER_MS} ms after its first event)`,
          );
        }
      }
      break;
    }
    case "getProcessingSessionArchive": {
      if (ok) {
        if (known.status === "draft") out.push("answered an archive for a draft (nothing is converted in a draft)");
        if (!isZip(received.body)) out.push(`the archive is not a ZIP (${received.body.length} bytes)`);
      }
      if (main && known.done > 0) {
        tally("archives of sessions with converted items (must be a ZIP)");
        if (!ok) out.push(`the archive of a session with ${known.done} converted items answered ${status}`);
      } else if (main && known.status === "draft") {
        tally("archives of drafts (must be 409)");
        if (status !== 409) out.push(`the archive of a draft answered ${status}, not 409`);
      }
      break;
    }
    default: {
      const transition = LIFECYCLE[op.id];
      if (!transition) break;
      const allowedNow = now.filter((s) => transition.from.includes(s));
      if (allowedNow.length === 0) {
        // docs/processing.md: "a wrong transition is 409".
        if (ok) out.push(`a ${known.status} session accepted ${op.id} (the state machine forbids it)`);
        if (main) {
          tally("transitions the state machine forbids (must be 409)");
          if (status !== 409)
            out.push(`a forbidden transition of a ${known.status} session answered ${status}, not 409`);
        }
      } else if (main && allowedNow.length === now.length) {
        // Every state the session can be in allows it: only the running-sessions limit may refuse a start or resume.
        const limited = transition.to === "running" && before.running >= getConfig(env).MAX_RUNNING_SESSIONS;
        if (!limited) {
          tally("transitions the state machine allows (must be 200)");
          if (!ok) out.push(`the allowed transition of a ${known.status} session answered ${status}`);
        }
      }
      if (ok && isSessionBody(json)) {
        out.push(
          ...bodyViolations(json, { ...expectBody, statuses: [transition.to], minVersion: known.version + 1 }),
          ...etagViolations(received, json),
        );
      }
    }
  }
  return out;
}

/** How long `/events` of a finished session is watched for its end. */
export const FINISHED_STREAM_LINGER_MS = 300;

/** A ZIP: local file headers from the start (or none), and the end-of-central-directory record at the end. */
function isZip(bytes: Uint8Array): boolean {
  const sig = (at: number) => bytes[at] === 0x50 && bytes[at + 1] === 0x4b;
  if (bytes.length < 22 || !sig(0)) return false;
  const eocd = bytes.length - 22; // no archive comment
  return sig(eocd) && bytes[eocd + 2] === 0x05 && bytes[eocd + 3] === 0x06;
}

/** Keeps the state's sessions in step with a response (after the invariants were checked). */
export function observeProcessing(
  op: Operation,
  built: BuiltRequest,
  received: Received,
  json: unknown,
  state: FuzzState,
) {
  const caller = built.caller;
  if (!caller || received.status < 200 || received.status > 299) return;
  if (op.id === "deleteAccount") {
    for (const known of state.processing.values()) if (known.ownerId === caller.userId) known.deleted = true;
    return;
  }
  if (!op.path.startsWith("/v1/processing-sessions")) return;
  if (op.id === "deleteProcessingSession" && built.pathId !== undefined) {
    const known = state.processing.get(built.pathId);
    if (known) known.deleted = true;
    return;
  }
  if (op.id === "getProcessingSessionEvents") {
    const event = firstEvent(received.body);
    if (event) state.rememberProcessing(event.data, caller.userId);
    return;
  }
  if (isRecord(json) && Array.isArray(json.items) && !isSessionBody(json)) {
    for (const item of json.items) state.rememberProcessing(item, caller.userId);
    return;
  }
  state.rememberProcessing(json, caller.userId);
}

/** Whether `/events` of this session should be watched for its end, and for how long. */
export function streamLinger(op: Operation, before: Before): number {
  return op.id === "getProcessingSessionEvents" && before.known && FINISHED_STATUSES.has(before.known.status)
    ? FINISHED_STREAM_LINGER_MS
    : 0;
}
