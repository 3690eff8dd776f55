// A user's image library, inside its own Durable Object (SQLite storage): images, tags, the search index and its
// word counts, the rendition budget. One object per user, so a library grows to the object's 10 GB and the writes of
// different users never queue behind each other; D1 keeps accounts and sessions. The Durable Object shell is
// `Library` in src/index.ts; services reach it through `openLibrary` (library-client.ts), which names the owner on
// every call.
//
// Inside the object every operation is one synchronous transaction over its SQLite, so what used to need
// conditional statements (a delete racing a re-upload of the same bytes, a budget claimed by a hundred requests at
// once) is simply serial here. The only waits are D1 (the broader words of new labels, the one-off move of the
// owner's rows from D1) and R2 (removing the files of deleted content, see releases.ts, and the renditions that draw
// a deleted image as a watermark, see watermark-uses.ts).
import type { Platform } from "../../platform";
import { changesGeometry, type ImageEdits, sameEdits } from "../edits";
import { NEAR_DUPLICATE_DISTANCE } from "../perceptual-hash";
import type { PhotoFacts } from "../photo-facts";
import type { PresetOptions } from "../presets";
import { watermarkVersion } from "../rendition-spec";
import { type RankedSearchInput, rankedSearch, type WindowCache } from "../search/ranked-search";
import { moveLibraryFromD1 } from "../store/d1-images";
import { HashIndex } from "../store/hash-index";
import { deleteImageObjects, deleteRenditions, deleteUserObjects } from "../store/image-objects";
import {
  claimPendingTagging,
  countImages,
  deleteImageRow,
  editVersionsOf,
  existingShas,
  findImage,
  findImageBySha,
  findImageRow,
  findImages,
  type ImageRecord,
  type ImageRow,
  insertImage,
  listGeometryPending,
  listImageRecords,
  listPhotoFactsPending,
  listTimeline,
  markTagQueued,
  oldestPendingTagging,
  perceptualHashes,
  setImageEdits,
  setTagStatus,
  type TakenPeriod,
  type TimelinePosition,
} from "../store/image-rows";
import { lookupLabelWords } from "../store/label-terms";
import { type LibraryDb, migrateLibrary, readMeta, writeMeta } from "../store/library-schema";
import {
  countPresetRows,
  deletePresetRow,
  findPresetRow,
  listPresetRows,
  type PresetRow,
  renamePresetRow,
  upsertPresetRow,
} from "../store/preset-rows";
import { beginRelease, endRelease, forgetReleases, pendingReleases, releaseState } from "../store/releases";
import { claimRendition } from "../store/rendition-budget";
import { backfillSearchDocs, searchStats } from "../store/search-docs";
import {
  countBroaderTerms,
  learnLabels,
  mergeSearchIndex,
  reindexed,
  searchDocWords,
  unknownLabels,
} from "../store/search-index";
import { addUserTags, countTags, deleteImageTags, rejectTags, replaceAiTags } from "../store/tag-rows";
import {
  deletedWatermarks,
  forgetUsesBy,
  forgetWatermarkUses,
  recordWatermarkUse,
  watermarkUses,
} from "../store/watermark-uses";
import type { Tag } from "../tagger";
import { backfillGeometry, backfillPhotoFacts } from "./library-backfills";
import { type ActiveSessionEnd, SessionVerdicts } from "./session-verdicts";

/** What tagging an upload came to, as the library records it. */
export type TagResult =
  | { status: "tagged"; tags: Tag[]; model: string }
  | { status: "pending" | "failed"; error: string | null };

/** A new image as the upload made it: everything but where the library puts it. */
export type NewImage = Omit<
  ImageRow,
  "seq" | "user_id" | "tag_status" | "tag_error" | "metadata" | "taken_ms" | "phash" | "edits" | "edit_version"
> &
  Partial<PhotoFacts>;

/** An upload's image as the library stored it (or found it stored: `created` false), with its near-duplicates. */
export interface UploadedImage {
  image: ImageRecord;
  created: boolean;
  similar: { id: string; distance: number }[];
}

/** How many near-duplicates an upload's answer names. */
const SIMILAR_ON_UPLOAD = 5;

/** A message older than this without a result was lost (a local restart) or ran out of retries: queue it again. */
export const REQUEUE_AFTER_MS = 30 * 60 * 1000;

export class LibraryEngine {
  private readonly db: LibraryDb;
  /** The open of this instance: schema, owner, the move from D1; every call waits for it. */
  private opened: Promise<void> | null = null;
  /** Releases of content running now, one per content (see releases.ts). */
  private readonly releasing = new Map<string, Promise<void>>();
  /** Scored search windows of this library (see search/ranked-search.ts); dropped by every operation that writes. */
  private readonly windows: WindowCache = new Map();
  /** The perceptual hashes in memory (hash-index.ts), built on the first near-duplicate lookup. */
  private hashes: HashIndex | null = null;
  /** What D1 said of the sessions calls came with (session-verdicts.ts). */
  private readonly sessions: SessionVerdicts;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly platform: Platform,
    activeSessionEnd: ActiveSessionEnd,
  ) {
    this.db = { sql: ctx.storage.sql, owner: "" };
    this.sessions = new SessionVerdicts(activeSessionEnd);
  }

  /**
   * Runs one operation for `owner` (the object's name): the only way in, see library-client.ts. A call made for a
   * signed-in read names its session, which is checked first: an ended session gets `sessionEnded` and nothing else
   * (not even the schema of an object that was never opened, as after the account was deleted).
   */
  async run(call: LibraryCall): Promise<LibraryAnswer> {
    if (!Object.hasOwn(CHANGES_SEARCH, call.op)) throw new Error(`A library has no operation "${String(call.op)}".`);
    if (call.session !== undefined && !(await this.sessions.isActive(call.session, call.owner))) {
      return { sessionEnded: true };
    }
    await this.open(call.owner);
    const op = this[call.op] as (...args: unknown[]) => unknown;
    if (!CHANGES_SEARCH[call.op]) return { value: await op.apply(this, call.args) };
    this.windows.clear();
    try {
      return { value: await op.apply(this, call.args) };
    } finally {
      this.windows.clear(); // also what was scored while the write waited for D1 or R2
    }
  }

  // ---- reads ----------------------------------------------------------------------------------------------------

  get(id: string): ImageRecord | null {
    return findImage(this.db, id);
  }

  /** An image without its tags: serving its files needs no more. */
  getRow(id: string): ImageRow | null {
    return findImageRow(this.db, id);
  }

  getMany(ids: string[]): ImageRecord[] {
    return findImages(this.db, ids);
  }

  /** Newest first; `beforeSeq` continues a page. */
  list(limit: number, beforeSeq: number | null): ImageRecord[] {
    return listImageRecords(this.db, limit, beforeSeq);
  }

  /** Newest taken first (upload time when unknown), within `range` (epoch ms); `after` continues a page. */
  timeline(limit: number, after: TimelinePosition | null, range: TakenPeriod): ImageRecord[] {
    return listTimeline(this.db, limit, after, range);
  }

  /**
   * The images that look like image `id` (perceptual hashes at most `maxDistance` bits apart), nearest first, at most
   * `limit`; null when there is no such image.
   */
  similar(id: string, maxDistance: number, limit: number): { image: ImageRecord; distance: number }[] | null {
    const image = findImageRow(this.db, id);
    if (!image) return null;
    if (!image.phash) return [];
    const near = this.lookalikes(image.phash, maxDistance, limit + 1).filter((match) => match.id !== id);
    const records = new Map(
      findImages(
        this.db,
        near.map((match) => match.id),
      ).map((found) => [found.id, found]),
    );
    return near.slice(0, limit).flatMap(({ id: nearId, distance }) => {
      const found = records.get(nearId);
      return found ? [{ image: found, distance }] : [];
    });
  }

  /**
   * Images whose perceptual hash is at most `maxDistance` bits from `phash`, nearest first (then newest): a scan of the
   * hashes in memory (hash-index.ts).
   */
  lookalikes(phash: string, maxDistance: number, limit: number): { id: string; distance: number }[] {
    this.hashes ??= new HashIndex(perceptualHashes(this.db));
    return this.hashes.near(phash, maxDistance, limit);
  }

  ownedIds(ids: string[]): string[] {
    return editVersionsOf(this.db, ids).map(([id]) => id);
  }

  editVersions(ids: string[]): [id: string, editVersion: number][] {
    return editVersionsOf(this.db, ids);
  }

  existingShas(shas: string[]): string[] {
    return existingShas(this.db, shas);
  }

  search(input: RankedSearchInput) {
    return rankedSearch(this.db, input, { cache: this.windows });
  }

  listTags(prefix: string, limit: number) {
    return {
      items: countTags(this.db, prefix, limit),
      broaderTerms: prefix === "" ? [] : countBroaderTerms(this.db, prefix, limit),
    };
  }

  size(): { images: number; bytes: number } {
    return { images: countImages(this.db), bytes: this.ctx.storage.sql.databaseSize };
  }

  // ---- uploads ----------------------------------------------------------------------------------------------------

  /**
   * Before an upload writes its original: the image these bytes already are (a duplicate), or a ticket to present
   * to `insert`. A release of the same content still running is finished first, so it cannot remove the new file.
   */
  async beginUpload(sha256: string): Promise<{ existing: UploadedImage } | { ticket: number }> {
    if (releaseState(this.db, sha256).pending) await this.release(sha256);
    const existing = findImageBySha(this.db, sha256);
    return existing ? { existing: this.uploaded(existing, false) } : { ticket: releaseState(this.db, sha256).gen };
  }

  /**
   * Adds an uploaded image (its original written since `beginUpload`) with its tags and search document, in one
   * transaction. The same bytes added meanwhile: that image is the answer. Released meanwhile (an image of the same
   * bytes added and deleted while this upload ran, which removed the file it wrote): `retry` with a new ticket, and
   * the upload writes its original again.
   */
  async insert(image: NewImage, tagging: TagResult, ticket: number): Promise<UploadedImage | { retry: number }> {
    if (tagging.status === "tagged") await this.learn(tagging.tags.map((tag) => tag.label));
    const existing = findImageBySha(this.db, image.sha256);
    if (existing) return this.uploaded(existing, false);
    const release = releaseState(this.db, image.sha256);
    if (release.pending || release.gen !== ticket) {
      if (release.pending) await this.release(image.sha256);
      return { retry: releaseState(this.db, image.sha256).gen };
    }
    const row = {
      ...image,
      tag_status: tagging.status === "tagged" ? ("tagged" as const) : ("pending" as const),
      tag_error: tagging.status === "tagged" ? null : tagging.error,
    };
    this.ctx.storage.transactionSync(() => {
      const seq = insertImage(this.db, row);
      if (tagging.status === "tagged") {
        reindexed(this.db, image.id, seq, () => replaceAiTags(this.db, image.id, tagging.tags, tagging.model));
      }
    });
    if (image.phash) this.hashes?.add(image.id, image.phash);
    if (row.tag_status === "pending") await this.wakeAt(Date.now() + REQUEUE_AFTER_MS);
    return this.uploaded(findImage(this.db, image.id)!, true);
  }

  /** An upload's answer: the image, and the owner's other images that look like it (a hint, nearest first). */
  private uploaded(image: ImageRecord, created: boolean): UploadedImage {
    const near = image.phash ? this.lookalikes(image.phash, NEAR_DUPLICATE_DISTANCE, SIMILAR_ON_UPLOAD + 1) : [];
    return { image, created, similar: near.filter((match) => match.id !== image.id).slice(0, SIMILAR_ON_UPLOAD) };
  }

  /** After an upload that failed: removes the files it wrote, unless an image holds these bytes. */
  async discardUpload(sha256: string): Promise<void> {
    if (findImageBySha(this.db, sha256)) return;
    beginRelease(this.db, sha256, Date.now());
    await this.release(sha256);
  }

  // ---- tags ---------------------------------------------------------------------------------------------------

  /**
   * Records what tagging an image came to: tagged replaces its AI tags (user tags and rejections stay), otherwise
   * the status and why, keeping its tags. Null when the image is gone (a delete wins). `editVersion`: the edit the
   * tagger was shown; when the image was edited since, nothing is recorded (its own tagging is queued).
   */
  async recordTagging(id: string, result: TagResult, editVersion?: number): Promise<ImageRecord | null> {
    if (result.status === "tagged") await this.learn(result.tags.map((tag) => tag.label));
    const image = findImage(this.db, id);
    if (!image) return null;
    if (editVersion !== undefined && image.edit_version !== editVersion) return image;
    this.ctx.storage.transactionSync(() => {
      if (result.status === "tagged") {
        setTagStatus(this.db, id, "tagged", null);
        reindexed(this.db, id, image.seq, () => replaceAiTags(this.db, id, result.tags, result.model));
      } else {
        setTagStatus(this.db, id, result.status, result.error);
      }
    });
    return findImage(this.db, id);
  }

  markTagQueued(id: string, now: number): void {
    markTagQueued(this.db, id, now);
  }

  /** Adds user tags and rejects tags, in one transaction with the search document; null when there is no image. */
  async editTags(id: string, add: string[], remove: string[]): Promise<ImageRecord | null> {
    await this.learn(add);
    const image = findImage(this.db, id);
    if (!image) return null;
    this.ctx.storage.transactionSync(() =>
      reindexed(this.db, id, image.seq, () => {
        addUserTags(this.db, id, add);
        rejectTags(this.db, id, remove);
      }),
    );
    return findImage(this.db, id);
  }

  // ---- edits ------------------------------------------------------------------------------------------------------

  /**
   * Replaces an image's edits (normalised by the caller: edits.ts) and moves its edit version on, in one transaction;
   * edits equal to the current ones change nothing (caches stay valid). A change that cuts or turns the picture makes
   * it pending for tagging again (`retag`; the caller queues it, the alarm if that fails). Null when there is no image.
   */
  async setEdits(
    id: string,
    edits: ImageEdits | null,
  ): Promise<{ image: ImageRecord; changed: boolean; retag: boolean } | null> {
    const image = findImageRow(this.db, id);
    if (!image) return null;
    if (sameEdits(image.edits, edits)) return { image: findImage(this.db, id)!, changed: false, retag: false };
    const retag = changesGeometry(image.edits, edits);
    this.ctx.storage.transactionSync(() => setImageEdits(this.db, id, edits, retag));
    if (retag) await this.wakeAt(Date.now() + REQUEUE_AFTER_MS);
    return { image: findImage(this.db, id)!, changed: true, retag };
  }

  // ---- presets ----------------------------------------------------------------------------------------------------

  presets(): PresetRow[] {
    return listPresetRows(this.db);
  }

  preset(name: string): PresetRow | null {
    return findPresetRow(this.db, name);
  }

  /**
   * Creates or replaces the preset `name`; a new one only while the library has fewer than `max` (checked and written
   * in one transaction, so presets created at once cannot pass the limit together).
   */
  savePreset(
    name: string,
    options: PresetOptions,
    now: number,
    max: number,
  ): { preset: PresetRow; created: boolean } | { full: number } {
    return this.ctx.storage.transactionSync(() => {
      if (!findPresetRow(this.db, name)) {
        const count = countPresetRows(this.db);
        if (count >= max) return { full: count };
      }
      const created = upsertPresetRow(this.db, name, options, now);
      return { preset: findPresetRow(this.db, name)!, created };
    });
  }

  /** Renames a preset: the renamed one, or why not (no such preset, or the new name is one already). */
  renamePreset(from: string, to: string, now: number): PresetRow | "missing" | "taken" {
    return this.ctx.storage.transactionSync(() => {
      if (!findPresetRow(this.db, from)) return "missing";
      if (from === to) return findPresetRow(this.db, from)!;
      if (findPresetRow(this.db, to)) return "taken";
      renamePresetRow(this.db, from, to, now);
      return findPresetRow(this.db, to)!;
    });
  }

  deletePreset(name: string): boolean {
    return deletePresetRow(this.db, name);
  }

  // ---- deletes --------------------------------------------------------------------------------------------------

  /**
   * Deletes each image (row, tags, search document in one transaction), then its files, then the renditions of other
   * images that draw it as a watermark. A missing id is its own result. Returns once the files are gone; a crash
   * before that leaves the release pending, and the watermark's uses recorded, for the alarm.
   */
  async remove(ids: string[]): Promise<{ id: string; status: "deleted" | "not_found" }[]> {
    const results: { id: string; status: "deleted" | "not_found" }[] = [];
    const released: string[] = [];
    const removed: string[] = [];
    for (const id of new Set(ids)) {
      const image = findImage(this.db, id);
      if (!image) {
        results.push({ id, status: "not_found" });
        continue;
      }
      this.ctx.storage.transactionSync(() => {
        reindexed(this.db, id, image.seq, () => {
          deleteImageTags(this.db, id);
          deleteImageRow(this.db, id);
        });
        beginRelease(this.db, image.sha256, Date.now());
      });
      this.hashes?.remove(id);
      released.push(image.sha256);
      removed.push(id);
      results.push({ id, status: "deleted" });
    }
    if (released.length > 0) {
      await this.wakeAt(Date.now() + 60_000); // finishes the releases if this object crashes before they do
      await Promise.all(released.map((sha256) => this.release(sha256)));
      await Promise.all(removed.map((id) => this.unwatermark(id)));
    }
    return results;
  }

  /** Deleting the account: every row of the library, then every file of the owner. */
  async deleteAll(): Promise<void> {
    this.sessions.forget();
    await this.ctx.storage.deleteAll();
    this.opened = null; // the next call finds an empty object and lays out the schema again
    this.hashes = null;
    // If this fails half-way, the rows are gone and the orphan sweep removes what is left.
    await deleteUserObjects(this.platform.bucket, this.db.owner);
  }

  /** A session of the owner ended (in D1): what this object knows of sessions no longer stands. */
  forgetSessions(): void {
    this.sessions.forget();
  }

  // ---- the move from D1 -------------------------------------------------------------------------------------------

  /**
   * Moves what D1 still holds of the owner (d1-images.ts): on the first open, and for the cron, for each owner D1
   * lists. One that moved already takes the rows a Worker of the previous version wrote to D1 since (a gradual
   * deployment serves both versions for a while), which its open never looks for again. The alarm finishes what
   * moved rows leave to do.
   */
  async moveFromD1(): Promise<void> {
    await moveLibraryFromD1({
      db: this.db,
      storage: this.ctx.storage,
      d1: this.platform.db,
      learn: (labels) => this.learn(labels),
      stored: async (key) => (await this.platform.bucket.head(key)) !== null,
    });
    if (
      listGeometryPending(this.db, 1).length > 0 ||
      oldestPendingTagging(this.db) !== undefined ||
      listPhotoFactsPending(this.db, 1).length > 0
    ) {
      await this.wakeAt(Date.now());
    }
  }

  // ---- renditions ------------------------------------------------------------------------------------------------

  claimRendition(windowMs: number, now: number) {
    return claimRendition(this.db, windowMs, now);
  }

  /**
   * Records, before a rendition of the content `sha256` that draws image `watermarkId` is made, that it does (see
   * watermark-uses.ts); false when that image is gone.
   */
  useWatermark(watermarkId: string, sha256: string): boolean {
    return recordWatermarkUse(this.db, watermarkId, sha256);
  }

  /** The contents whose stored renditions draw image `watermarkId`. */
  watermarkUses(watermarkId: string): string[] {
    return watermarkUses(this.db, watermarkId);
  }

  // ---- background -------------------------------------------------------------------------------------------------

  /**
   * The library's own upkeep, armed by writes that leave work behind: finishes releases (and the deletion of renditions
   * drawing a deleted watermark) a crash interrupted, queues again tagging that waits without a message, re-reads the
   * dimensions of images moved from D1 before orientation was read, and merges the search index a little.
   */
  async alarm(): Promise<void> {
    const owner = readMetaSafe(this.ctx.storage, "owner");
    if (typeof owner !== "string") return; // never opened, or deleted
    await this.open(owner);
    for (const sha256 of pendingReleases(this.db)) await this.release(sha256);
    for (const id of deletedWatermarks(this.db)) await this.unwatermark(id);
    const now = Date.now();
    await this.requeueTagging(now);
    const geometryLeft = await backfillGeometry(this.db, this.platform.bucket, 50);
    const factsLeft = await backfillPhotoFacts(this.db, this.platform, 10);
    this.hashes = null; // the backfill may have added hashes: built again on the next lookup
    const wordsLeft = this.ctx.storage.transactionSync(() =>
      backfillSearchDocs(this.db, 500, (id) => searchDocWords(this.db, id)),
    );
    this.windows.clear(); // the last backfill moves broad tokens from bm25's scores to theirs (search-docs.ts)
    mergeSearchIndex(this.db);
    forgetReleases(this.db, now - 3_600_000);
    const oldest = oldestPendingTagging(this.db);
    if (geometryLeft || factsLeft || wordsLeft) await this.wakeAt(Date.now());
    else if (oldest !== undefined) await this.wakeAt((oldest ?? now) + REQUEUE_AFTER_MS);
  }

  /**
   * Queues again the tagging of images that wait without a message in the queue (lost with a local restart, or out of
   * retries) for REQUEUE_AFTER_MS; how many.
   */
  async requeueTagging(now: number): Promise<number> {
    const queued = claimPendingTagging(this.db, now, REQUEUE_AFTER_MS, 100);
    if (queued.length > 0) {
      await this.platform.taggingQueue.sendBatch(
        queued.map((imageId) => ({ body: { userId: this.db.owner, imageId } })),
      );
    }
    return queued.length;
  }

  // ---- inside -----------------------------------------------------------------------------------------------------

  private open(owner: string): Promise<void> {
    this.opened ??= this.openAs(owner).catch((error) => {
      this.opened = null;
      throw error;
    });
    return this.opened.then(() => {
      if (owner !== this.db.owner) throw new Error("This library belongs to another user.");
    });
  }

  private async openAs(owner: string): Promise<void> {
    migrateLibrary(this.ctx.storage);
    const stored = readMeta(this.db.sql, "owner");
    if (stored === undefined) writeMeta(this.db.sql, "owner", owner);
    this.db.owner = typeof stored === "string" ? stored : owner;
    if (readMeta(this.db.sql, "moved_from_d1") !== 1) await this.moveFromD1();
    // Images stored before the library read photo metadata (schema step 2) or kept its documents' words (step 6):
    // the alarm catches up on them.
    else if (listPhotoFactsPending(this.db, 1).length > 0 || !searchStats(this.db).complete) {
      await this.wakeAt(Date.now());
    }
  }

  /** Copies the broader words of labels this library has not seen from D1's shared table. */
  private async learn(labels: string[]): Promise<void> {
    const unknown = unknownLabels(this.db, labels);
    if (unknown.length > 0) learnLabels(this.db, await lookupLabelWords(this.platform.db, unknown));
  }

  /** Removes the files of `sha256` from R2, once at a time per content; then the release is done. */
  private release(sha256: string): Promise<void> {
    let running = this.releasing.get(sha256);
    if (!running) {
      running = deleteImageObjects(this.platform.bucket, this.db.owner, sha256)
        .then(() => {
          endRelease(this.db, sha256);
          forgetUsesBy(this.db, sha256); // its renditions went with it
        })
        .finally(() => this.releasing.delete(sha256));
      this.releasing.set(sha256, running);
    }
    return running;
  }

  /** Deletes the renditions that draw the deleted image `id` as a watermark; then its uses are forgotten. */
  private async unwatermark(id: string): Promise<void> {
    const uses = watermarkUses(this.db, id);
    await Promise.all(
      uses.map((sha256) =>
        deleteRenditions(this.platform.bucket, this.db.owner, sha256, (name) => watermarkVersion(name, id) !== null),
      ),
    );
    forgetWatermarkUses(this.db, id, uses);
  }

  /** Arms the alarm for `at`, unless it is armed sooner. */
  private async wakeAt(at: number): Promise<void> {
    const armed = await this.ctx.storage.getAlarm();
    if (armed === null || armed > at) await this.ctx.storage.setAlarm(at);
  }
}

/** The operations a library offers: every public method but the entry points of the object. */
export type LibraryOp = Exclude<keyof LibraryEngine, "run" | "alarm">;

/**
 * Every operation, and whether it can change what a search finds (those drop the cached search windows). Listing
 * them here is what makes a method an operation: run() refuses any other name, and a new public method does not
 * compile until it is listed.
 */
const CHANGES_SEARCH: Record<LibraryOp, boolean> = {
  get: false,
  getRow: false,
  getMany: false,
  list: false,
  timeline: false,
  similar: false,
  lookalikes: false,
  ownedIds: false,
  editVersions: false,
  existingShas: false,
  search: false,
  listTags: false,
  size: false,
  beginUpload: false,
  markTagQueued: false,
  claimRendition: false,
  useWatermark: false,
  watermarkUses: false,
  insert: true,
  discardUpload: true,
  recordTagging: true,
  editTags: true,
  remove: true,
  deleteAll: true,
  forgetSessions: false,
  moveFromD1: true,
  requeueTagging: true,
  setEdits: true,
  // Presets are not searched.
  presets: false,
  preset: false,
  savePreset: false,
  renamePreset: false,
  deletePreset: false,
};
/** One operation, for the owner the object is named after; `session`: the signed-in read's, to check first. */
export type LibraryCall = {
  [K in LibraryOp]: { owner: string; op: K; args: Parameters<LibraryEngine[K]>; session?: string | undefined };
}[LibraryOp];

/** What a call comes to: the operation's value, or the news that the session it named has ended. */
export type LibraryAnswer = { value: unknown } | { sessionEnded: true };

/** readMeta before the schema exists (an object that was never opened has no library_meta). */
function readMetaSafe(storage: DurableObjectStorage, key: string) {
  try {
    return readMeta(storage.sql, key);
  } catch {
    return undefined;
  }
}
