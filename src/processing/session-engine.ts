import type { ImageService } from "../images/images.service";
import { ApiError, type ProblemKind } from "../lib/problem";
import type { Platform } from "../platform";
import {
  FINISHED,
  type ItemRendition,
  type ProcessingOutput,
  type SessionAction,
  type SessionState,
  type SessionStatus,
} from "./session-types";
import {
  claimRunningSlot,
  deleteSessionIndex,
  indexedStatus,
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

/** When the index could not be repaired (D1 failing), the next attempt. */
const INDEX_RETRY_MS = 60_000;

const SOURCE_DELETED = "The image was deleted before it was converted.";

/** How long one alarm goes on converting items before it hands over to the next alarm. */
const STEP_BUDGET_MS = 2000;

/** Items converted at the same time: two keep the image service busy while the other item's files move. */
const ITEMS_AT_ONCE = 2;

/** What converting one item came to; applied to the tables only if the session still exists by then. */
type ItemOutcome = { kind: "done"; rendition: ItemRendition } | { kind: "failed"; reason: string; retry: boolean };

/**
 * One processing session, inside its Durable Object. Work runs in small steps driven by the object's alarm (items one
 * after another for up to STEP_BUDGET_MS, then the next alarm), so it survives restarts, evictions and deploys: every
 * state change is written to the object's SQLite before the next item, an item interrupted mid-way is retried (its
 * attempt counted), and a finished item is never processed again. Every open /events stream hears each change; a
 * reconnecting one starts from the state.
 *
 * The object is the one source of truth for the session's status; D1's row is an index of it (for listing, the
 * owner check and the running-sessions limit). An alarm re-applies the object's status to that row (the first alarm
 * after a change of status or a restart of the object: see `indexAgrees`), and every change of status arms an alarm
 * before it writes anything, so a crash (or a failed D1 write) between the object's write and the index's heals at
 * the next alarm. The running slot itself is claimed in D1 first, in one conditional
 * statement (see claimRunningSlot), so the limit holds however many starts arrive at once.
 */
export class SessionEngine {
  private readonly tables: SessionTables;
  private readonly platform: Platform;
  private readonly images: ImageService;
  /** The tail of the status changes and index writes, which run one at a time (see `serial`). */
  private tail: Promise<unknown> = Promise.resolve();
  /**
   * Whether this instance has seen the index agree with a running session since its last change of status. Memory
   * only: an object that crashed or was evicted starts without it, so its first alarm repairs the index; the item
   * steps of a running session in between skip the read (one D1 query per item).
   */
  private indexAgrees = false;

  /** `services`: what the composition root (services.ts) built for this object's environment. */
  constructor(
    private readonly ctx: DurableObjectState,
    services: { platform: Platform; images: ImageService },
  ) {
    this.tables = new SessionTables(ctx.storage.sql);
    this.platform = services.platform;
    this.images = services.images;
  }

  create(input: { id: string; userId: string; output: ProcessingOutput; imageIds: string[] }) {
    return this.serial(async () => {
      if (this.tables.state()) return refuse("conflict", "This session exists already.");
      const now = Date.now();
      this.tables.create({ ...input, now });
      // If the index row is never written (a crash, D1 failing), this alarm finds the object without one and deletes
      // it: nobody was told it exists. Otherwise it finds the row and stops.
      await this.ctx.storage.setAlarm(now);
      await insertSessionIndex(this.platform.db, { id: input.id, userId: input.userId, status: "draft", now });
      return ok(this.tables.state()!);
    });
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

  /**
   * `maxRunning`: the caller's MAX_RUNNING_SESSIONS, checked only when the transition itself is allowed. To running,
   * the slot is claimed in D1 before the object changes; to anything else, the object changes and then the index.
   */
  transition(userId: string, action: SessionAction, limits: { maxRunning: number }): Promise<Outcome<SessionState>> {
    return this.serial(async () => {
      this.indexAgrees = false;
      const state = this.view(userId);
      if (!state) return refuse("not_found", "No processing session with this id.");
      const { from, to } = TRANSITIONS[action];
      if (!from.includes(state.status)) return refuse("conflict", `A ${state.status} session cannot ${action}.`);
      const now = Date.now();
      // Armed before D1 is written: whatever happens from here, an alarm re-applies this object's status to the
      // index (a slot claimed by a start that then crashed is released again).
      await this.ctx.storage.setAlarm(now);
      if (to === "running") {
        if (!(await claimRunningSlot(this.platform.db, state, limits.maxRunning, now))) {
          await this.scheduleNext();
          return refuse(
            "conflict",
            `At most ${limits.maxRunning} sessions may run at once (MAX_RUNNING_SESSIONS); pause or wait for one.`,
          );
        }
        this.tables.update({ status: to }, now);
      } else {
        this.tables.update(FINISHED.has(to) ? { status: to, finishedAt: now } : { status: to }, now);
        try {
          await updateSessionIndex(this.platform.db, state, to, now);
        } catch (error) {
          // The session changed (the object says so); the alarm armed above brings the index in line.
          console.error("session index write failed", { session: state.id, error: String(error) });
        }
      }
      await this.scheduleNext();
      return ok(this.changed()!);
    });
  }

  destroy(userId: string): Promise<boolean> {
    return this.serial(async () => {
      const state = this.view(userId);
      if (!state) return false;
      await this.erase(state);
      return true;
    });
  }

  /**
   * One step: the index repaired from the object, then the next items of a running session (for up to
   * STEP_BUDGET_MS), or the deletion of a session that finished long enough ago.
   */
  async alarm(): Promise<void> {
    if (!(this.indexAgrees && this.tables.state()?.status === "running")) {
      if (!(await this.serial(() => this.repairIndex()))) return;
      this.indexAgrees = this.tables.state()?.status === "running";
    }
    const state = this.tables.state();
    if (!state) return;
    if (FINISHED.has(state.status)) {
      const expiresAt = this.expiresAt(state);
      if (expiresAt !== null && Date.now() >= expiresAt) await this.serial(() => this.erase(state));
      else await this.scheduleNext();
      return;
    }
    // ITEMS_AT_ONCE items at a time, each recorded (and told to the watchers) as it finishes, for up to
    // STEP_BUDGET_MS: an alarm per item would spend a scheduling round trip on each, and one item at a time would
    // leave the image service idle while an item's source is read and its rendition stored. An alarm that dies
    // part-way is retried by the runtime and goes on from the first item not recorded.
    const deadline = Date.now() + STEP_BUDGET_MS;
    for (let current = state; current.status === "running"; ) {
      const items = this.tables.nextItems(ITEMS_AT_ONCE);
      if (items.length === 0) {
        await this.serial(() => this.finish());
        return;
      }
      for (const item of items) this.tables.beginItem(item.position);
      await Promise.all(
        items.map(async (item) => {
          const outcome = await this.convert(current, item);
          // Deleted while converting (the session, or the whole account): nothing is left to record. (A rendition
          // written meanwhile went with its image: ImageService.convert re-checks after its write.)
          if (!this.tables.state()) return;
          if (outcome.kind === "done") this.tables.finishItem(item.position, outcome.rendition);
          else this.tables.failItem(item.position, outcome.reason, outcome.retry);
          this.tables.update({}, Date.now());
          this.changed();
        }),
      );
      const next = this.tables.state();
      if (!next || Date.now() >= deadline) break;
      current = next; // paused or cancelled meanwhile: the loop ends
    }
    if (this.tables.state()) await this.scheduleNext();
  }

  private async convert(
    state: SessionState,
    item: { position: number; imageId: string; attempts: number },
  ): Promise<ItemOutcome> {
    const { config } = this.platform;
    const owner = { userId: state.userId };
    try {
      const rendition = await this.images.convert(owner, item.imageId, state.output);
      // Checked again once the rendition is made: an image deleted meanwhile took its files with it, and a `done`
      // item would link to a file that is gone.
      if (!rendition || !(await this.images.ownedIds(owner, [item.imageId])).has(item.imageId)) {
        return { kind: "failed", reason: SOURCE_DELETED, retry: false };
      }
      return { kind: "done", rendition };
    } catch (error) {
      // A refusal of this image (too large, undecodable: a 4xx) is final; anything else is retried a bounded number
      // of times.
      const refused = error instanceof ApiError && error.status < 500;
      const final = refused || item.attempts + 1 >= config.PROCESSING_MAX_ATTEMPTS;
      if (!refused) console.error("processing step failed", { session: state.id, error: String(error) });
      return {
        kind: "failed",
        reason: refused ? error.message : "Converting the image failed; it was retried.",
        retry: !final,
      };
    }
  }

  /** A running session with no item left ends: `failed` when nothing was converted, else `completed`. */
  private async finish(): Promise<void> {
    const state = this.tables.state();
    if (state?.status !== "running" || this.tables.nextItem()) return; // changed while waiting its turn
    this.indexAgrees = false;
    const now = Date.now();
    const status = state.progress.done === 0 && state.progress.failed > 0 ? "failed" : "completed";
    this.tables.update({ status, finishedAt: now }, now);
    this.changed();
    // The alarm that runs this is retried if it fails before the end, and the retry repairs the index first.
    await updateSessionIndex(this.platform.db, state, status, now);
    await this.scheduleNext();
  }

  /**
   * Re-applies the object's status to its index row (the object is the source of truth): heals a crash, or a D1
   * write that failed, between the two. An object whose row is gone belongs to a session that was deleted (or whose
   * creation failed) part-way: it deletes itself. False when nothing more is to be done in this alarm.
   */
  private async repairIndex(): Promise<boolean> {
    const state = this.tables.state();
    if (!state) return false;
    try {
      const indexed = await indexedStatus(this.platform.db, state);
      if (indexed === null) {
        await this.erase(state);
        return false;
      }
      if (indexed !== state.status) await updateSessionIndex(this.platform.db, state, state.status, Date.now());
      return true;
    } catch (error) {
      // D1 failing: a running session carries on (its next step tries again); any other comes back for this.
      console.error("session index repair failed", { session: state.id, error: String(error) });
      if (state.status !== "running") await this.ctx.storage.setAlarm(Date.now() + INDEX_RETRY_MS);
      return state.status === "running";
    }
  }

  /**
   * The session's index row, alarm and storage; its watchers are told. An alarm is armed first, so a crash after the
   * index row went still ends with the object deleting itself (see repairIndex).
   */
  private async erase(state: SessionState): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now());
    await deleteSessionIndex(this.platform.db, state);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.tables.dropped();
    this.tellWatchers(null);
  }

  /**
   * Status changes and index writes run one at a time: each reads the object's state when its turn comes and writes
   * it, so index writes reach D1 in the order the object changed, and a transition waiting on D1 (a start claiming
   * its slot) cannot be overtaken by another that saw the same state. Reads and item progress do not wait.
   */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
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
