import { DurableObject } from "cloudflare:workers";
import { createApp } from "./app";
import { type LibraryCall, LibraryEngine } from "./images/library/library-engine";
import { consumeTaggingBatch, type TaggingJob } from "./images/tagging-queue";
import { runMaintenance } from "./maintenance";
import { SessionEngine } from "./processing/session-engine";
import type { ProcessingOutput, SessionAction } from "./processing/session-types";
import { createServices } from "./services";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    const { images } = createServices(env);
    await consumeTaggingBatch(
      ({ userId, imageId }) => images.tagPending({ userId }, imageId),
      batch as MessageBatch<TaggingJob>,
    );
  },
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(runMaintenance(createServices(env)));
  },
} satisfies ExportedHandler<Env>;

/**
 * One processing session (wrangler.toml: PROCESSING_SESSIONS, SQLite storage). Only the Durable Object shell lives
 * here, where `cloudflare:workers` may be imported; the session itself is src/processing/session-engine.ts.
 */
export class ProcessingSession extends DurableObject<Env> {
  private readonly engine: SessionEngine;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.engine = new SessionEngine(ctx, createServices(env));
  }

  create(input: { id: string; userId: string; output: ProcessingOutput; imageIds: string[] }) {
    return this.engine.create(input);
  }

  view(userId: string) {
    return this.engine.view(userId);
  }

  edit(userId: string, ifMatch: number, changes: { imageIds?: string[]; output?: ProcessingOutput }) {
    return this.engine.edit(userId, ifMatch, changes);
  }

  transition(userId: string, action: SessionAction, limits: { maxRunning: number }) {
    return this.engine.transition(userId, action, limits);
  }

  destroy(userId: string) {
    return this.engine.destroy(userId);
  }

  override async alarm() {
    await this.engine.alarm();
  }

  /** GET …/events: the Worker connects here over a WebSocket, with the caller's id in `X-Session-Owner`. */
  override async fetch(request: Request) {
    if (request.headers.get("Upgrade") !== "websocket") return new Response(null, { status: 426 });
    return this.engine.watch(request.headers.get("X-Session-Owner") ?? "") ?? new Response(null, { status: 404 });
  }

  /** Watchers only listen; the hibernation API needs a handler, and a watcher leaving needs its close answered. */
  override webSocketMessage() {}

  override webSocketClose(socket: WebSocket) {
    try {
      socket.close(1000, "watcher left");
    } catch {
      // Already answered (the runtime may reply to a close by itself).
    }
  }
}

/**
 * One user's image library (wrangler.toml: LIBRARY, SQLite storage), named by the user's id. The library itself is
 * src/images/library/library-engine.ts; services call it through images/library/library-client.ts.
 */
export class Library extends DurableObject<Env> {
  private readonly engine: LibraryEngine;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const { platform, auth } = createServices(env);
    this.engine = new LibraryEngine(ctx, platform, (sessionId, userId) => auth.activeSessionEnd(sessionId, userId));
  }

  run(call: LibraryCall) {
    return this.engine.run(call);
  }

  override async alarm() {
    await this.engine.alarm();
  }
}
