import type { ImageService } from "../images/images.service";
import type { PresetService } from "../images/presets.service";
import { seqBefore, seqPage } from "../lib/cursors";
import { newId } from "../lib/encoding";
import { ApiError, invalidField } from "../lib/problem";
import type { Caller, Platform } from "../platform";
import { sessionArchive } from "./archive";
import { type FileGone, goneFiles, imagesToCheck } from "./gone-files";
import type { Outcome } from "./session-engine";
import type { ProcessingOutput, SessionAction, SessionState, SessionStatus } from "./session-types";
import { listSessionIndex, ownsSession, sessionIdsOf } from "./store/session-index";

/**
 * Processing sessions: each lives in its own Durable Object (session-engine.ts), indexed per user in D1
 * (session-index.ts). The owner is checked in D1 (SQL filtered by user) before a session object is touched, and the
 * object checks it again.
 */
export class ProcessingService {
  constructor(
    private readonly platform: Platform,
    private readonly images: ImageService,
    private readonly presets: PresetService,
  ) {}

  /**
   * A draft converting `imageIds` to `output`, or to what preset `preset` stands for, resolved now: the session keeps
   * those options, whatever becomes of the preset later.
   */
  async create(
    caller: Caller,
    input: { imageIds: string[]; output?: ProcessingOutput | undefined; preset?: string | undefined },
  ): Promise<SessionState> {
    const output = input.output ?? (await this.presets.resolve(caller, input.preset ?? "", "body.preset")).options;
    const imageIds = await this.checkSelection(caller, input.imageIds);
    await this.checkWatermark(caller, output, input.output ? "body.output.watermark.imageId" : "body.preset");
    const id = newId("prs");
    return unwrap(await this.object(id).create({ id, userId: caller.userId, output, imageIds }));
  }

  async get(caller: Caller, id: string): Promise<SessionState> {
    await this.requireOwned(caller, id);
    const state = await this.object(id).view(caller.userId);
    if (!state) throw notFound();
    return state;
  }

  async list(
    caller: Caller,
    input: { limit: number; cursor?: string | undefined; status?: SessionStatus | undefined },
  ): Promise<{ sessions: SessionState[]; nextCursor: string | null }> {
    const rows = await listSessionIndex(this.platform.db, {
      userId: caller.userId,
      limit: input.limit + 1,
      beforeSeq: seqBefore(input.cursor),
      status: input.status,
    });
    const { page, nextCursor } = seqPage(rows, input.limit);
    const states: (SessionState | null)[] = await Promise.all(
      page.map((row) => this.object(row.id).view(caller.userId)),
    );
    return { sessions: states.filter((state): state is SessionState => state !== null), nextCursor };
  }

  async edit(
    caller: Caller,
    id: string,
    input: { ifMatch: number; imageIds?: string[] | undefined; output?: ProcessingOutput | undefined },
  ): Promise<SessionState> {
    await this.requireOwned(caller, id);
    const imageIds = input.imageIds ? await this.checkSelection(caller, input.imageIds) : undefined;
    if (input.output) await this.checkWatermark(caller, input.output);
    return unwrap(await this.object(id).edit(caller.userId, input.ifMatch, { imageIds, output: input.output }));
  }

  async transition(caller: Caller, id: string, action: SessionAction): Promise<SessionState> {
    await this.requireOwned(caller, id);
    // The object judges the transition first, then (for start and resume) the running-sessions limit.
    const limits = { maxRunning: this.platform.config.MAX_RUNNING_SESSIONS };
    return unwrap(await this.object(id).transition(caller.userId, action, limits));
  }

  async delete(caller: Caller, id: string): Promise<void> {
    await this.requireOwned(caller, id);
    if (!(await this.object(id).destroy(caller.userId))) throw notFound();
  }

  /**
   * A connection to the session's object that receives its state now and after every change (JSON text messages)
   * and closes when the session finishes or is deleted. The caller presents the states and closes it when done.
   */
  async watch(caller: Caller, id: string): Promise<WebSocket> {
    await this.requireOwned(caller, id);
    const response = await this.object(id).fetch("https://session/watch", {
      headers: { Upgrade: "websocket", "X-Session-Owner": caller.userId },
    });
    if (response.status === 404 || !response.webSocket) throw notFound();
    response.webSocket.accept();
    return response.webSocket;
  }

  /** Per session, why the files of its converted items are gone (gone-files.ts): one call to the caller's library. */
  async goneFiles(caller: Caller, states: SessionState[]): Promise<Map<string, FileGone>[]> {
    const versions = await this.images.editVersions(caller, [...new Set(states.flatMap(imagesToCheck))]);
    return states.map((state) => goneFiles(state, versions));
  }

  /** The finished outputs as one streamed ZIP (see archive.ts). */
  async archive(caller: Caller, id: string) {
    const state = await this.get(caller, id);
    const [gone] = await this.goneFiles(caller, [state]);
    return sessionArchive(this.images, caller, state, gone!);
  }

  /** Every session of the user: each object deletes its own storage and index row. */
  async deleteAllOf(caller: Caller): Promise<void> {
    for (const id of await sessionIdsOf(this.platform.db, caller.userId)) {
      await this.object(id).destroy(caller.userId);
    }
  }

  private object(id: string) {
    const namespace = this.platform.processingSessions;
    return namespace.get(namespace.idFromName(id));
  }

  private async requireOwned(caller: Caller, id: string): Promise<void> {
    if (!(await ownsSession(this.platform.db, caller.userId, id))) throw notFound();
  }

  /** 1 to MAX_SESSION_IMAGES distinct ids, every one the caller's; others are named without saying whether they exist. */
  private async checkSelection(caller: Caller, imageIds: string[]): Promise<string[]> {
    const max = this.platform.config.MAX_SESSION_IMAGES;
    const unique = [...new Set(imageIds)];
    if (unique.length > max) {
      throw invalidField(
        "body.imageIds",
        `A session converts at most ${max} images (MAX_SESSION_IMAGES); this asks for ${unique.length}.`,
      );
    }
    const owned = await this.images.ownedIds(caller, unique);
    const unknown = unique.filter((id) => !owned.has(id));
    if (unknown.length > 0) {
      throw new ApiError("unprocessable", `These are not ids of your images: ${unknown.join(", ")}.`, {
        errors: unknown.map((id) => ({ path: "body.imageIds", message: `${id} is not one of your images` })),
      });
    }
    return unique;
  }

  /** An output's watermark is one of the caller's images, refused like an id of `imageIds` otherwise. */
  private async checkWatermark(
    caller: Caller,
    output: ProcessingOutput,
    path = "body.output.watermark.imageId",
  ): Promise<void> {
    const id = output.watermark?.imageId;
    if (id === undefined || (await this.images.ownedIds(caller, [id])).has(id)) return;
    throw new ApiError("unprocessable", `The watermark is not one of your images: ${id}.`, {
      errors: [{ path, message: `${id} is not one of your images` }],
    });
  }
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw new ApiError(outcome.kind, outcome.detail);
}

function notFound(): ApiError {
  return new ApiError("not_found", "No processing session with this id.");
}
