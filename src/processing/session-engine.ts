import type { ImageService } from "../images/images.service";
import { ApiError, type ProblemKind } from "../lib/problem";
import type { Platform } from "../platform";
import {
  FINISHED,
  type ProcessingOutput,
  type SessionAction,
  type SessionState,
  type SessionStatus,
} from "./session-types";
import {
  countRunningSessions,
  deleteSessionIndex,
  insertSessionIndex,
  updateSessionIndex,
} from "./store/session-index";
import { SessionTables } from "./store/session-tables";

/** Errors cross the RPC boundary as values: a class instance would arrive as a bare Error. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; kind: ProblemKind; detail: string };

const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
const refuse = (kind: ProblemKind, detail: string): Outcome<never> => ({ ok: false, kind, detail });

const TRANSITIONS: Record<SessionAction, { from: SessionStatus[]; to: SessionStatus }> = {
  start: { from: ["draft"], to: "running" },
  pause: { from: ["running"], to: "paused" },
  resume: { from: ["paused"], to: "running" },
  cancel: { from: ["draft", "running", "paused"], to: "cancelled" },
};

/**
 * One processing session, inside its Durable Object. Work runs in small steps driven by the object's alarm — one
 * item per alarm — so it survives restarts, evictions and deploys: every state change is written to the object's
 * SQLite before the next step, an item interrupted mid-way is retried (its attempt counted), and a finished item is
 * never processed again. Every open /events stream hears each change; a reconnecting one starts from the state.
 */
export class SessionEngine {
  private readonly tables: SessionTables;
  private readonly platform: Platform;
  private readonly images: ImageService;

  /** `services`: what the composition root (services.ts) built for this object's environment. */
  constructor(
    private readonly ctx: DurableObjectState,
    services: { platform: Platform; images: ImageService },
  ) {
    this.tables = new SessionTables(ctx.storage.sql);
    this.platform = services.platform;
    this.images = services.images;
  }

  async create(input: { id: string; userId: string; output: ProcessingOutput; imageIds: string[] }) {
    if (this.tables.state()) return refuse("conflict", "This session exists already.");
    const now = Date.now();
    this.tables.create({ ...input, now });
    await insertSessionIndex(this.platform.db, { id: input.id, userId: input.userId, status: "draft", now });
    return ok(this.tables.state()!);
  }

  view(userId: string): SessionState | null {
    const state = this.tables.state();
    return state && state.userId === userId ? state : null;
  }

  async edit(
    userId: string,
    ifMatch: number,
    changes: { imageIds?: string[] | undefined; output?: ProcessingOutput | undefined },
  ): Promise<Outcome<SessionState>> {
    const state = this.view(userId);
    if (!state) return refuse("not_found", "No processing session with this id.");
    if (state.version !== ifMatch) {
      return refuse(
        "precondition_failed",
        `The session is at version ${state.version}, not ${ifMatch}; read it again.`,
      );
    }
    if (state.status !== "draft")
      return refuse("conflict", `Only a draft can be edited; this session is ${state.status}.`);
    if (changes.imageIds) this.tables.replaceItems(changes.imageIds);
    this.tables.update(changes.output ? { output: changes.output } : {}, Date.now());
    return ok(this.changed()!);
  }

  /** `maxRunning`: the caller's MAX_RUNNING_SESSIONS, checked only when the transition itself is allowed. */
  async transition(
    userId: string,
    action: SessionAction,
    limits: { maxRunning: number },
  ): Promise<Outcome<SessionState>> {
    const state = this.view(userId);
    if (!state) return refuse("not_found", "No processing session with this id.");
    const { from, to } = TRANSITIONS[action];
    if (!from.includes(state.status)) return refuse("conflict", `A ${state.status} session cannot ${action}.`);
    if (to === "running" && (await countRunningSessions(this.platform.db, userId)) >= limits.maxRunning) {
      return refuse(
        "conflict",
        `At most ${limits.maxRunning} sessions may run at once (MAX_RUNNING_SESSIONS); pause or wait for one.`,
      );
    }
    const now = Date.now();
    this.tables.update(FINISHED.has(to) ? { status: to, finishedAt: now } : { status: to }, now);
    await updateSessionIndex(this.platform.db, state, to, now);
    await this.scheduleNext();
    return ok(this.changed()!);
  }

  async destroy(userId: string): Promise<boolean> {
    const state = this.view(userId);
    if (!state) return false;
    await deleteSessionIndex(this.platform.db, state);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.tellWatchers(null);
    return true;
  }

  /** One step: the next item of a running session, or the deletion of a session that finished long enough ago. */
  async alarm(): Promise<void> {
    const state = this.tables.state();
    if (!state) return;
    if (FINISHED.has(state.status)) {
      const expiresAt = this.expiresAt(state);
      if (expiresAt !== null && Date.now() >= expiresAt) await this.destroy(state.userId);
      else await this.scheduleNext();
      return;
    }
    if (state.status !== "running") return;
    const item = this.tables.nextItem();
    if (!item) {
      const now = Date.now();
      const status = state.progress.done === 0 && state.progress.failed > 0 ? "failed" : "completed";
      this.tables.update({ status, finishedAt: now }, now);
      await updateSessionIndex(this.platform.db, state, status, now);
      this.changed();
      await this.scheduleNext();
      return;
    }
    await this.process(state, item);
    this.tables.update({}, Date.now());
    this.changed();
    await this.scheduleNext();
  }

  private async process(state: SessionState, item: { position: number; imageId: string; attempts: number }) {
    const { config } = this.platform;
    this.tables.beginItem(item.position);
    try {
      const rendition = await this.images.convert({ userId: state.userId }, item.imageId, state.output);
      if (!rendition) {
        this.tables.failItem(item.position, "The image was deleted before it was converted.", false);
        return;
      }
      this.tables.finishItem(item.position, rendition);
    } catch (error) {
      // A refusal of this image (too large, undecodable: a 4xx) is final; anything else is retried a bounded number
      // of times.
      const refused = error instanceof ApiError && error.status < 500;
      const final = refused || item.attempts + 1 >= config.PROCESSING_MAX_ATTEMPTS;
      const reason = refused ? error.message : "Converting the image failed; it was retried.";
      if (!refused) console.error("processing step failed", { session: state.id, error: String(error) });
      this.tables.failItem(item.position, reason, !final);
    }
  }

  /** Running: the next step now. Finished: the deletion, once the time to keep it has passed. */
  private async scheduleNext(): Promise<void> {
    const state = this.tables.state();
    if (!state) return;
    const expiresAt = this.expiresAt(state);
    if (state.status === "running") await this.ctx.storage.setAlarm(Date.now());
    else if (expiresAt !== null) await this.ctx.storage.setAlarm(expiresAt);
    else await this.ctx.storage.deleteAlarm();
  }

  /** When a finished session is deleted; null while it is not finished. */
  private expiresAt(state: SessionState): number | null {
    if (!FINISHED.has(state.status) || state.finishedAt === null) return null;
    return state.finishedAt + this.platform.config.PROCESSING_SESSION_TTL_SECONDS * 1000;
  }

  /**
   * A watcher: the Worker behind a client's event stream, connected over a WebSocket that this object accepts with
   * the hibernation API, so an object that only has watchers can leave memory between changes (an open streamed
   * response would keep it there, billed). It gets the state now, then after every change, and the socket closes
   * when the session finishes or is deleted.
   */
  watch(userId: string): Response | null {
    const state = this.view(userId);
    if (!state) return null;
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    server.send(JSON.stringify(state));
    if (FINISHED.has(state.status)) server.close(1000, "session finished");
    return new Response(null, { status: 101, webSocket: client });
  }

  private changed(): SessionState | null {
    const state = this.tables.state();
    if (!state) return null; // deleted while a step was running
    this.tellWatchers(state);
    return state;
  }

  /** Each watcher gets the state; the connection closes when the session is finished, or deleted (`null`). */
  private tellWatchers(state: SessionState | null): void {
    const message = state && JSON.stringify(state);
    for (const watcher of this.ctx.getWebSockets()) {
      try {
        if (message) watcher.send(message);
        if (!state) watcher.close(1000, "session deleted");
        else if (FINISHED.has(state.status)) watcher.close(1000, "session finished");
      } catch {
        // A watcher that went away meanwhile: nothing to tell it.
      }
    }
  }
}
