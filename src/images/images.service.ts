import { seqBefore, seqPage } from "../lib/cursors";
import { ApiError, invalidField } from "../lib/problem";
import type { Caller, Platform } from "../platform";
import { readImageFile } from "./image-file";
import { normaliseLabel } from "./labels";
import { type SweepOptions, sweepOrphanObjects } from "./orphan-sweep";
import { displayRendition, type RenditionParams, type RenditionSpec, THUMBNAIL } from "./rendition-spec";
import { ensureRenditionStored, planRendition, readRendition } from "./renditions";
import { rankedSearch, type SearchMatch } from "./search/ranked-search";
import { signFileUrl, verifyFileSignature } from "./signed-url";
import { sniffImage } from "./sniff";
import { deleteUserObjects, derivedKey, renditionNames } from "./store/image-objects";
import {
  claimPendingTagging,
  deleteImageStatement,
  deleteUserImagesStatement,
  findImage,
  findImages,
  type ImageRecord,
  imageVersion,
  listGeometryPending,
  listImageRecords,
  ownedImageIds,
  setGeometryStatement,
  setTagStatusStatement,
} from "./store/image-rows";
import { type BroaderTermCount, countBroaderTerms } from "./store/label-terms";
import { claimRendition, deleteUserRenditionBudgetStatement } from "./store/rendition-budget";
import {
  mergeSearchIndex,
  reindexImageStatements,
  unindexImageStatements,
  unindexUserStatements,
} from "./store/search-index";
import {
  addUserTagsStatement,
  aiTagWriteStatements,
  countTags,
  deleteAiTagsStatement,
  deleteImageTagsStatement,
  deleteUserTagsStatement,
  rejectTagsStatement,
  type TagCount,
} from "./store/tag-rows";
import { tagWithConfig } from "./taggers";
import type { TaggingAttempt } from "./tagging-queue";
import { releaseImageFiles, storeUpload, uploadTooLarge } from "./upload";

export interface ImagePage {
  images: ImageRecord[];
  nextCursor: string | null;
}

export interface SearchResults {
  items: { image: ImageRecord; score: number }[];
  nextCursor: string | null;
  /** D1's own time for the page's statements, for `Server-Timing`. */
  dbMs: number;
}

export interface TagList {
  /** The owner's tags starting with the prefix, most used first. */
  items: TagCount[];
  /** With a prefix: broader words of the owner's labels starting with it (`dog` for `golden retriever`). */
  broaderTerms: BroaderTermCount[];
}

/** A rendition made for someone else's workflow (a processing session): what it is, and how large it came out. */
export interface ConvertedImage {
  name: string;
  bytes: number;
  width: number;
  height: number;
  contentType: string;
}

/**
 * The user's image library: uploads, their files and renditions, tags, tagging and search. Owns the `images`,
 * `image_tags` and search-index tables and the R2 key layout; every method is scoped to the caller.
 */
export class ImageService {
  constructor(private readonly platform: Platform) {}

  /** See upload.ts: judged by its bytes, de-duplicated, tagged, stored with its row in one go. */
  upload(caller: Caller, input: { file: File }) {
    return storeUpload(this.platform, caller, input.file);
  }

  /** The problem an upload over MAX_UPLOAD_BYTES gets, whether refused while streaming or after. */
  uploadTooLarge(): ApiError {
    return uploadTooLarge(this.platform.config.MAX_UPLOAD_BYTES);
  }

  /** The caller's images, newest first, `limit` at a time; `cursor` continues where the previous page ended. */
  async list(caller: Caller, input: { limit: number; cursor?: string | undefined }): Promise<ImagePage> {
    const rows = await listImageRecords(this.platform.db, caller.userId, input.limit + 1, seqBefore(input.cursor));
    const { page, nextCursor } = seqPage(rows, input.limit);
    return { images: page, nextCursor };
  }

  /** The caller's images whose tags match `q`, best first; see search/ranked-search.ts. */
  async search(
    caller: Caller,
    input: { q: string; match: SearchMatch; limit: number; cursor?: string | undefined },
  ): Promise<SearchResults> {
    const result = await rankedSearch(this.platform.db, {
      ...input,
      userId: caller.userId,
      cursor: input.cursor ?? null,
    });
    if ("error" in result) {
      throw invalidField(result.error === "invalid_cursor" ? "query.cursor" : "query.q", result.detail);
    }
    return {
      items: result.hits.map((hit) => ({ image: hit.image, score: hit.score })),
      nextCursor: result.nextCursor,
      dbMs: result.dbMs,
    };
  }

  /** The caller's image, or 404: someone else's image is indistinguishable from a missing one. */
  async get(caller: Caller, id: string): Promise<ImageRecord> {
    const image = await findImage(this.platform.db, caller.userId, id);
    if (!image) throw new ApiError("not_found", "No image with this id.");
    return image;
  }

  /**
   * Adds user tags and removes tags (whoever added them). A removal is kept as a lasting rejection, so a retag never
   * brings the label back. Labels arrive normalised. Rows and search document change in one batch.
   */
  async editTags(caller: Caller, input: { id: string; add: string[]; remove: string[] }): Promise<ImageRecord> {
    const { db } = this.platform;
    const add = unique(input.add);
    const remove = unique(input.remove);
    const both = add.filter((label) => remove.includes(label));
    if (both.length > 0) {
      throw new ApiError("validation_failed", `Cannot both add and remove: ${both.join(", ")}.`, {
        errors: both.map((label) => ({ path: "body.remove", message: `"${label}" is also in add` })),
      });
    }
    const image = await this.get(caller, input.id);
    await db.batch([
      addUserTagsStatement(db, image.id, caller.userId, add),
      rejectTagsStatement(db, image.id, caller.userId, remove),
      ...reindexImageStatements(db, image.id),
    ]);
    return this.get(caller, image.id);
  }

  /**
   * Runs the tagger again over the stored original. Success replaces the AI tags (user tags and rejections stay);
   * failure keeps the previous tags and records why in `tag_error`.
   */
  async retag(caller: Caller, id: string): Promise<ImageRecord> {
    const image = await this.get(caller, id);
    if ((await this.tagStored(caller, image, "failed")) === "gone") {
      throw new ApiError("not_found", "No image with this id.");
    }
    // Read back rather than patch `image`: an image deleted while it was being tagged is a 404, not a ghost.
    return this.get(caller, image.id);
  }

  /**
   * One attempt of the tagging queue (tagging-queue.ts) at a pending image: "done" when it is tagged now, or has
   * nothing left to tag (tagged meanwhile, or deleted: a delete wins), "retry" when the tagger failed again.
   */
  async tagPending(caller: Caller, imageId: string): Promise<TaggingAttempt> {
    const image = await findImage(this.platform.db, caller.userId, imageId);
    if (image?.tag_status !== "pending") return "done";
    return (await this.tagStored(caller, image, "pending")) === "failed" ? "retry" : "done";
  }

  /**
   * Runs the tagger over the stored original. Success replaces the AI tags (user tags and rejections stay; the
   * writes need the image to exist, so a delete meanwhile wins); failure records why and leaves the image `ifFailed`
   * with its previous tags. "gone" when the original is no longer stored.
   */
  private async tagStored(
    caller: Caller,
    image: ImageRecord,
    ifFailed: "failed" | "pending",
  ): Promise<"tagged" | "failed" | "gone"> {
    const { db, bucket } = this.platform;
    const object = await bucket.get(image.r2_key);
    if (!object) return "gone";
    const tagging = await tagWithConfig(this.platform, new Uint8Array(await object.arrayBuffer()));
    if (tagging.status === "failed") {
      await setTagStatusStatement(db, caller.userId, image.id, ifFailed, tagging.error).run();
      return "failed";
    }
    await db.batch([
      deleteAiTagsStatement(db, image.id, caller.userId),
      setTagStatusStatement(db, caller.userId, image.id, "tagged", null),
      ...aiTagWriteStatements(db, image.id, caller.userId, tagging.tags, tagging.model),
    ]);
    return "tagged";
  }

  /** Queues again what waits for its tags without a message in the queue (see tagging-queue.ts); how many. */
  async requeuePendingTagging(now = Date.now()): Promise<number> {
    const { db, taggingQueue } = this.platform;
    const pending = await claimPendingTagging(db, now, REQUEUE_AFTER_MS, 100);
    if (pending.length > 0) {
      await taggingQueue.sendBatch(pending.map((row) => ({ body: { userId: row.user_id, imageId: row.id } })));
    }
    return pending.length;
  }

  /** Deletes an image: search document, tags and row in one batch, then its files (original and derived). */
  async remove(caller: Caller, id: string): Promise<void> {
    const { db } = this.platform;
    // The version first: a re-upload of the same bytes from here on moves it, and the delete below then does nothing.
    const version = await imageVersion(db, caller.userId, id);
    if (version === null) throw new ApiError("not_found", "No image with this id.");
    const image = await this.get(caller, id);
    const results = await db.batch([
      ...unindexImageStatements(db, image.id, version),
      deleteImageTagsStatement(db, image.id, caller.userId, version),
      deleteImageStatement(db, caller.userId, image.id, version),
    ]);
    if (results.at(-1)?.meta.changes === 0) {
      // The same bytes were uploaded again meanwhile, and that upload was answered with this image: it stays.
      throw new ApiError("conflict", "This image was uploaded again while it was being deleted; it is kept.");
    }
    // After the rows: if this fails the files are orphans, and the scheduled sweep removes them.
    await releaseImageFiles(this.platform, caller.userId, image.sha256);
  }

  /**
   * Deletes each of `ids` as `remove` does, on its own: one that is not the caller's (missing or someone else's:
   * not told apart) or that was uploaded again meanwhile fails alone.
   */
  removeMany(caller: Caller, ids: string[]): Promise<BatchResult[]> {
    return eachImage(ids, "deleted", (id) => this.remove(caller, id));
  }

  /** Adds and removes tags on each of `ids` as `editTags` does, atomically per image; a foreign id fails alone. */
  editTagsMany(caller: Caller, input: { ids: string[]; add: string[]; remove: string[] }): Promise<BatchResult[]> {
    return eachImage(input.ids, "updated", (id) => this.editTags(caller, { id, add: input.add, remove: input.remove }));
  }

  /**
   * The caller's tags with how many images carry each, most used first; `prefix` narrows them for autocomplete and
   * adds the broader words that a search would also find images for (none without a prefix).
   */
  async listTags(caller: Caller, input: { prefix?: string | undefined; limit: number }): Promise<TagList> {
    const { db } = this.platform;
    const prefix = normaliseLabel(input.prefix ?? "");
    const [items, broaderTerms] = await Promise.all([
      countTags(db, caller.userId, prefix, input.limit),
      prefix === "" ? [] : countBroaderTerms(db, caller.userId, prefix, input.limit),
    ]);
    return { items, broaderTerms };
  }

  /** The original bytes (see image-file.ts for validators and ranges). */
  async readFile(caller: Caller, input: { id: string; ifNoneMatch?: string | undefined; range?: string | undefined }) {
    return readImageFile(this.platform.bucket, await this.get(caller, input.id), input);
  }

  /**
   * A rendition (see renditions.ts): made once with the Images binding, then served from R2. A new one other than
   * the standard ones (thumbnail, display image) is made only within the caller's budget: RENDITIONS_PER_IMAGE
   * stored per image (422), RENDITIONS_PER_HOUR made per hour (429).
   */
  async readRendition(
    caller: Caller,
    input: { id: string; params: RenditionParams; accept?: string | undefined; ifNoneMatch?: string | undefined },
  ) {
    const deps = {
      ...this.renditionDeps(),
      beforeMaking: (image: ImageRecord, spec: RenditionSpec) => this.spend(image, spec),
    };
    const image = await this.get(caller, input.id);
    // The watermark is one of the caller's own images, found like any other (someone else's is a 404).
    const watermark = input.params.watermark && (await this.watermarkOf(caller, input.params.watermark.imageId));
    return readRendition(deps, image, { ...input, watermark });
  }

  /**
   * The caller's image `id` as a watermark, found as `get` finds any image, or a 404 naming the parameter (missing and
   * someone else's alike). In a session a 404 here fails the item with that reason.
   */
  private async watermarkOf(caller: Caller, id: string): Promise<ImageRecord> {
    try {
      return await this.get(caller, id);
    } catch (error) {
      if (error instanceof ApiError && error.kind === "not_found") {
        throw new ApiError("not_found", "No image with the id given as `watermark`.");
      }
      throw error;
    }
  }

  /** Claims a new rendition of `image` from its owner's budget, or refuses it naming the limit. */
  private async spend(image: ImageRecord, spec: RenditionSpec): Promise<void> {
    const { db, bucket, config } = this.platform;
    const standard = [THUMBNAIL, displayRendition(image)].flatMap((params) =>
      params ? [planRendition(image, params, undefined, config).name] : [],
    );
    if (standard.includes(spec.name)) return;
    const max = config.RENDITIONS_PER_IMAGE;
    const stored = (await renditionNames(bucket, image.user_id, image.sha256, max + standard.length + 1)).filter(
      (name) => !standard.includes(name),
    );
    if (stored.length >= max) {
      throw new ApiError(
        "unprocessable",
        `This image has ${stored.length} renditions stored, the most it may have (RENDITIONS_PER_IMAGE); ask for one of them.`,
      );
    }
    const { made, windowEnd } = await claimRendition(db, image.user_id, 3_600_000);
    if (made > config.RENDITIONS_PER_HOUR) {
      const seconds = Math.max(1, Math.ceil((windowEnd - Date.now()) / 1000));
      throw new ApiError(
        "rate_limited",
        `At most ${config.RENDITIONS_PER_HOUR} new renditions an hour (RENDITIONS_PER_HOUR); stored ones are still served. Try again in ${seconds} seconds.`,
        { headers: { "Retry-After": String(seconds) } },
      );
    }
  }

  /** A signed, expiring path to a file of the owner's image (see signed-url.ts); the HTTP layer adds the origin. */
  fileLink(image: { id: string; userId: string }, rendition?: RenditionParams) {
    const { config } = this.platform;
    return signFileUrl(
      config.URL_SIGNING_SECRET,
      image.id,
      image.userId,
      config.SIGNED_URL_TTL_SECONDS,
      Date.now(),
      rendition,
    );
  }

  /** The owner a file link was signed for, when its signature covers this image and rendition and has not expired. */
  async verifyFileLink(
    imageId: string,
    query: { uid?: string | undefined; exp?: string | undefined; sig?: string | undefined },
    rendition: RenditionParams,
  ): Promise<Caller> {
    if (!query.sig) throw new ApiError("unauthorized", "Use the image's signed `url`, or send a bearer token.");
    const check = await verifyFileSignature(
      this.platform.config.URL_SIGNING_SECRET,
      imageId,
      query,
      Date.now(),
      rendition,
    );
    if (!check.ok) {
      throw new ApiError(
        "forbidden",
        check.reason === "expired"
          ? "This link has expired; fetch the image again for a fresh url."
          : "This link is not valid.",
      );
    }
    return { userId: check.userId };
  }

  /** Of these ids, the ones that are the caller's images. */
  ownedIds(caller: Caller, ids: string[]): Promise<Set<string>> {
    return ownedImageIds(this.platform.db, caller.userId, ids);
  }

  /** Makes (or finds) the rendition `params` ask of the caller's image; null when the image is gone. */
  async convert(caller: Caller, imageId: string, params: RenditionParams): Promise<ConvertedImage | null> {
    const image = await findImage(this.platform.db, caller.userId, imageId);
    if (!image) return null;
    const watermark = params.watermark && (await this.watermarkOf(caller, params.watermark.imageId));
    const spec = planRendition(image, params, undefined, this.platform.config, watermark);
    try {
      const bytes = await ensureRenditionStored(this.renditionDeps(), image, spec);
      return { name: spec.name, bytes, width: spec.width, height: spec.height, contentType: spec.output.format };
    } catch (error) {
      if (error instanceof ApiError && error.kind === "not_found") return null; // deleted meanwhile
      throw error;
    }
  }

  /**
   * The stored renditions of the caller's images named by `wanted`, in order, each opened only when read; those
   * whose image was deleted since are left out (their files went with it).
   */
  async renditionFiles(caller: Caller, wanted: { imageId: string; name: string }[]) {
    const images = new Map(
      (
        await findImages(
          this.platform.db,
          caller.userId,
          wanted.map((item) => item.imageId),
        )
      ).map((image) => [image.id, image]),
    );
    return wanted.flatMap(({ imageId, name }) => {
      const image = images.get(imageId);
      if (!image) return [];
      const key = derivedKey(caller.userId, image.sha256, name);
      return [{ image, name, open: () => this.platform.bucket.get(key) }];
    });
  }

  /** Every image of the user: search documents, tags and rows in one batch, then every file in R2. */
  async deleteAllOf(caller: Caller): Promise<void> {
    const { db } = this.platform;
    await db.batch([
      deleteUserRenditionBudgetStatement(db, caller.userId),
      ...unindexUserStatements(db, caller.userId),
      deleteUserTagsStatement(db, caller.userId),
      deleteUserImagesStatement(db, caller.userId),
    ]);
    // If this fails half-way, the rows are gone and the orphan sweep removes what is left.
    await deleteUserObjects(this.platform.bucket, caller.userId);
  }

  private renditionDeps() {
    const { db, bucket, images, config } = this.platform;
    const exists = async (image: ImageRecord) => (await ownedImageIds(db, image.user_id, [image.id])).size > 0;
    return { bucket, images, config, exists };
  }

  /**
   * The cron's share: files without their row (see orphan-sweep.ts), a bounded merge of the search index, and the
   * backfill of dimensions as shown for images stored before orientation was read (migrations/0008).
   */
  async maintain(now = Date.now(), options: Partial<SweepOptions> = {}) {
    const { db, bucket, config } = this.platform;
    const graceMs = config.ORPHAN_GRACE_SECONDS * 1000;
    const sweep = await sweepOrphanObjects(db, bucket, { graceMs, now, ...options });
    await mergeSearchIndex(db);
    const requeued = await this.requeuePendingTagging(now);
    return { ...sweep, geometryChecked: await this.backfillGeometry(), requeued };
  }

  /** Re-reads the headers of up to `limit` images stored before orientation was read; returns how many. */
  async backfillGeometry(limit = 200): Promise<number> {
    const { db, bucket } = this.platform;
    const pending = await listGeometryPending(db, limit);
    const updates = [];
    for (const image of pending) {
      // The headers are at the start; a file whose metadata runs longer is read whole.
      let file = await bucket.get(image.r2_key, { range: { offset: 0, length: GEOMETRY_HEAD_BYTES } });
      let sniffed = file && sniffImage(new Uint8Array(await file.arrayBuffer()));
      if (file && sniffed && !sniffed.ok && file.size > GEOMETRY_HEAD_BYTES) {
        file = await bucket.get(image.r2_key);
        sniffed = file && sniffImage(new Uint8Array(await file.arrayBuffer()));
      }
      const shown = sniffed?.ok ? sniffed.image : image; // unreadable or gone: keep what is recorded
      updates.push(setGeometryStatement(db, image.user_id, image.id, shown.width, shown.height));
    }
    if (updates.length > 0) await db.batch(updates);
    return updates.length;
  }
}

/** What became of one image of a batch request. */
export interface BatchResult {
  id: string;
  status: "deleted" | "updated" | "not_found" | "conflict";
}

/**
 * Runs `work` for each distinct id in turn; an image that is not the caller's (not_found) or was uploaded again while
 * being deleted (conflict) is its result, anything else (a D1 failure, a bad label) fails the whole request.
 */
async function eachImage(
  ids: string[],
  done: "deleted" | "updated",
  work: (id: string) => Promise<unknown>,
): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const id of new Set(ids)) {
    try {
      await work(id);
      results.push({ id, status: done });
    } catch (error) {
      if (!(error instanceof ApiError && (error.kind === "not_found" || error.kind === "conflict"))) throw error;
      results.push({ id, status: error.kind });
    }
  }
  return results;
}

/** A message older than this without a result was lost (a local restart) or ran out of retries: queue it again. */
const REQUEUE_AFTER_MS = 30 * 60 * 1000;

/** Enough for the headers of nearly every photo (EXIF with its thumbnail comes before the frame header). */
const GEOMETRY_HEAD_BYTES = 256 * 1024;

function unique(labels: string[]): string[] {
  return [...new Set(labels.filter(Boolean))];
}
