import { decodeJsonCursor, encodeJsonCursor, seqBefore, seqPage } from "../lib/cursors";
import { ApiError, invalidField } from "../lib/problem";
import type { Caller, Platform } from "../platform";
import { editedImage } from "./edits";
import { type FileAudience, readImageFile } from "./image-file";
import { normaliseLabel } from "./labels";
import { openLibrary } from "./library/library-client";
import { imageNotFound, watermarkNotFound } from "./not-found";
import { type SweepOptions, sweepOrphanObjects } from "./orphan-sweep";
import { NEAR_DUPLICATE_DISTANCE } from "./perceptual-hash";
import type { PresetService } from "./presets.service";
import type { RenditionParams } from "./rendition-options";
import {
  displayRendition,
  type RenditionSpec,
  renditionEditVersion,
  THUMBNAIL,
  versionedRenditionName,
} from "./rendition-spec";
import { ensureRenditionStored, planRendition, readRendition } from "./renditions";
import type { SearchMatch } from "./search/ranked-search";
import { type FileLinkView, signFileUrl, verifyFileSignature } from "./signed-url";
import {
  type D1ImageTables,
  d1ImageTablesDropped,
  forgetD1ImageTablesEmpty,
  ownersWithD1Images,
  retireD1ImageTables,
} from "./store/d1-images";
import { derivedKey, renditionNames } from "./store/image-objects";
import type { ImageRecord, ImageRow, TakenPeriod, TimelinePosition } from "./store/image-rows";
import type { BroaderTermCount } from "./store/search-index";
import type { TagCount } from "./store/tag-rows";
import { prepareTaggingInput, tagWithConfig } from "./taggers";
import type { TaggingAttempt } from "./tagging-queue";
import { storeUpload, uploadTooLarge } from "./upload";

/**
 * How long D1's old image tables must stay empty before the cron drops them. Workers of the previous version, which
 * store images there, may still serve for a while after a deploy (a gradual deployment): rows they write start the
 * wait over, and one that writes only after the drop gets an error (its upload fails, no image is lost).
 */
const D1_TABLES_GRACE_MS = 60 * 60 * 1000;

export interface ImagePage {
  images: ImageRecord[];
  nextCursor: string | null;
}

export interface SearchResults {
  items: { image: ImageRecord; score: number }[];
  nextCursor: string | null;
  /** How long the call to the owner's library took (its SQL and the hop to it), for `Server-Timing`. */
  libraryMs: number;
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

/** What became of one image of a batch request. */
export interface BatchResult {
  id: string;
  status: "deleted" | "updated" | "not_found";
}

/**
 * The user's image library: uploads, their files and renditions, tags, tagging and search. The rows live in the
 * owner's library object (library/library-engine.ts), the files in R2 under the owner's prefix; every method is scoped
 * to the caller.
 */
export class ImageService {
  constructor(
    private readonly platform: Platform,
    private readonly presets: PresetService,
  ) {}

  private library(caller: Caller) {
    return openLibrary(this.platform, caller);
  }

  /** See upload.ts: judged by its bytes, de-duplicated, tagged, stored with its row in one go. */
  upload(caller: Caller, input: { file: File }) {
    return storeUpload(this.platform, caller, input.file);
  }

  /** The problem an upload over MAX_UPLOAD_BYTES gets, whether refused while streaming or after. */
  uploadTooLarge(): ApiError {
    return uploadTooLarge(this.platform.config.MAX_UPLOAD_BYTES);
  }

  /**
   * The caller's images, `limit` at a time: newest uploads first, or (`sort: "taken"`) the timeline, newest taken
   * first, optionally within a period. `cursor` continues where the previous page ended.
   */
  async list(
    caller: Caller,
    input: { limit: number; cursor?: string | undefined; sort?: "uploaded" | "taken" } & TakenRange,
  ): Promise<ImagePage> {
    const range = takenRange(input);
    if (input.sort !== "taken") {
      if (range.from !== undefined || range.to !== undefined) {
        throw invalidField(input.takenFrom ? "query.takenFrom" : "query.takenTo", "Use it with sort=taken.");
      }
      const rows = await this.library(caller).list(input.limit + 1, seqBefore(input.cursor));
      const { page, nextCursor } = seqPage(rows, input.limit);
      return { images: page, nextCursor };
    }
    const rows = await this.library(caller).timeline(input.limit + 1, timelineAfter(input.cursor), range);
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > input.limit && last ? encodeJsonCursor({ t: last.taken_ms ?? last.created_at, s: last.seq }) : null;
    return { images: page, nextCursor };
  }

  /** The caller's images that look like image `id` (near-duplicates), nearest first; 404 when there is no such image. */
  async similar(caller: Caller, input: { id: string; limit: number }) {
    const found = await this.library(caller).similar(input.id, NEAR_DUPLICATE_DISTANCE, input.limit);
    if (!found) throw imageNotFound();
    return found;
  }

  /** The caller's images whose tags match `q`, best first; see search/ranked-search.ts. */
  async search(
    caller: Caller,
    input: { q: string; match: SearchMatch; limit: number; cursor?: string | undefined } & TakenRange,
  ): Promise<SearchResults> {
    const started = Date.now();
    const result = await this.library(caller).search({ ...input, range: takenRange(input) });
    const libraryMs = Date.now() - started;
    if ("error" in result) {
      throw invalidField(result.error === "invalid_cursor" ? "query.cursor" : "query.q", result.detail);
    }
    return {
      items: result.hits.map((hit) => ({ image: hit.image, score: hit.score })),
      nextCursor: result.nextCursor,
      libraryMs,
    };
  }

  /** The caller's image, or 404: someone else's image is indistinguishable from a missing one. */
  async get(caller: Caller, id: string): Promise<ImageRecord> {
    const image = await this.library(caller).get(id);
    if (!image) throw imageNotFound();
    return image;
  }

  /** The caller's image without its tags, or 404: for serving its files. */
  private async getRow(caller: Caller, id: string): Promise<ImageRow> {
    const image = await this.library(caller).getRow(id);
    if (!image) throw imageNotFound();
    return image;
  }

  /**
   * Adds user tags and removes tags (whoever added them). A removal is kept as a lasting rejection, so a retag never
   * brings the label back. Labels arrive normalised. Rows and search document change in one transaction.
   */
  async editTags(caller: Caller, input: { id: string; add: string[]; remove: string[] }): Promise<ImageRecord> {
    const add = unique(input.add);
    const remove = unique(input.remove);
    const both = add.filter((label) => remove.includes(label));
    if (both.length > 0) {
      throw new ApiError("validation_failed", `Cannot both add and remove: ${both.join(", ")}.`, {
        errors: both.map((label) => ({ path: "body.remove", message: `"${label}" is also in add` })),
      });
    }
    const image = await this.library(caller).editTags(input.id, add, remove);
    if (!image) throw imageNotFound();
    return image;
  }

  /**
   * Runs the tagger again over the stored original. Success replaces the AI tags (user tags and rejections stay);
   * failure keeps the previous tags and records why in `tag_error`.
   */
  async retag(caller: Caller, id: string): Promise<ImageRecord> {
    const tagged = await this.tagStored(caller, await this.get(caller, id), "failed");
    // An image deleted while it was being tagged is a 404, not a ghost.
    if (!tagged) throw imageNotFound();
    return tagged;
  }

  /**
   * One attempt of the tagging queue (tagging-queue.ts) at a pending image: "done" when it is tagged now, or has
   * nothing left to tag (tagged meanwhile, or deleted: a delete wins), "retry" when the tagger failed again.
   */
  async tagPending(caller: Caller, imageId: string): Promise<TaggingAttempt> {
    const image = await this.library(caller).get(imageId);
    if (image?.tag_status !== "pending") return "done";
    return (await this.tagStored(caller, image, "pending"))?.tag_status === "pending" ? "retry" : "done";
  }

  /**
   * Runs the tagger over the stored original as edited (the model sees the picture turned and cut as its owner
   * edited it). Success replaces the AI tags (user tags and rejections stay); failure records why and leaves the image
   * `ifFailed` with its previous tags. Nothing is recorded when the image was edited meanwhile (that edit queued its
   * own tagging). Null when the image or its original is gone.
   */
  private async tagStored(caller: Caller, image: ImageRecord, ifFailed: "failed" | "pending") {
    const object = await this.platform.bucket.get(image.r2_key);
    if (!object) return null;
    const bytes = new Uint8Array(await object.arrayBuffer());
    const edited = editedImage(image);
    const input = prepareTaggingInput(this.platform.images, bytes, edited.transform);
    const tagging = await tagWithConfig(this.platform, bytes, input);
    return this.library(caller).recordTagging(
      image.id,
      tagging.status === "tagged"
        ? { status: "tagged", tags: tagging.tags, model: tagging.model }
        : { status: ifFailed, error: tagging.error },
      edited.version,
    );
  }

  /** Deletes an image: its row, tags and search document at once, then its files (original and derived). */
  async remove(caller: Caller, id: string): Promise<void> {
    const [result] = await this.library(caller).remove([id]);
    if (result?.status !== "deleted") throw imageNotFound();
  }

  /**
   * Deletes each of `ids` as `remove` does, each on its own: one that is not the caller's (missing or someone else's:
   * not told apart) fails alone.
   */
  removeMany(caller: Caller, ids: string[]): Promise<BatchResult[]> {
    return this.library(caller).remove(ids);
  }

  /** Adds and removes tags on each of `ids` as `editTags` does, atomically per image; a foreign id fails alone. */
  async editTagsMany(
    caller: Caller,
    input: { ids: string[]; add: string[]; remove: string[] },
  ): Promise<BatchResult[]> {
    const results: BatchResult[] = [];
    for (const id of new Set(input.ids)) {
      try {
        await this.editTags(caller, { id, add: input.add, remove: input.remove });
        results.push({ id, status: "updated" });
      } catch (error) {
        if (!(error instanceof ApiError && error.kind === "not_found")) throw error;
        results.push({ id, status: "not_found" });
      }
    }
    return results;
  }

  /**
   * The caller's tags with how many images carry each, most used first; `prefix` narrows them for autocomplete and
   * adds the broader words that a search would also find images for (none without a prefix).
   */
  listTags(caller: Caller, input: { prefix?: string | undefined; limit: number }): Promise<TagList> {
    return this.library(caller).listTags(normaliseLabel(input.prefix ?? ""), input.limit);
  }

  /**
   * The original bytes (see image-file.ts for validators and ranges): as stored for the owner, without the photo's
   * location through a link.
   */
  async readFile(
    caller: Caller,
    input: { id: string; ifNoneMatch?: string | undefined; range?: string | undefined; audience: FileAudience },
  ) {
    return readImageFile(this.platform.bucket, await this.getRow(caller, input.id), input);
  }

  /**
   * A rendition (see renditions.ts) of the image as edited: made once with the Images binding, then served from R2.
   * A new one other than the standard ones (thumbnail, display image) is made only within the caller's budget:
   * RENDITIONS_PER_IMAGE stored per image (422), RENDITIONS_PER_HOUR made per hour (429). With `view.preset`, the
   * parameters are the preset's (the file route lets nothing else stand next to it); a signed link's `view.ph` must
   * still be the preset's digest (403 once the preset changed).
   */
  async readRendition(
    caller: Caller,
    input: {
      id: string;
      params: RenditionParams;
      view?: FileLinkView | undefined;
      accept?: string | undefined;
      ifNoneMatch?: string | undefined;
    },
  ) {
    const deps = {
      ...this.renditionDeps(),
      beforeMaking: (image: ImageRow, spec: RenditionSpec) => this.spend(caller, image, spec),
    };
    const params = input.view?.preset
      ? await this.presetParams(caller, input.view.preset, input.view.ph)
      : input.params;
    const image = await this.getRow(caller, input.id);
    // The watermark is one of the caller's own images, found like any other (someone else's is a 404).
    const watermark = params.watermark && (await this.watermarkOf(caller, params.watermark.imageId));
    return readRendition(deps, image, { ...input, params, watermark });
  }

  /** The parameters preset `name` stands for; `ph` (from a signed link) must be their digest still. */
  private async presetParams(caller: Caller, name: string, ph: string | undefined): Promise<RenditionParams> {
    const preset = await this.presets.resolve(caller, name, "query.preset");
    if (ph !== undefined && ph !== preset.hash) {
      throw new ApiError(
        "forbidden",
        `The preset \`${name}\` has changed since this link was made; fetch the image again for a fresh link.`,
      );
    }
    return preset.options;
  }

  /**
   * The caller's image `id` as a watermark, found as `get` finds any image, or a 404 naming the parameter (missing and
   * someone else's alike). In a session a 404 here fails the item with that reason.
   */
  private async watermarkOf(caller: Caller, id: string): Promise<ImageRow> {
    try {
      return await this.getRow(caller, id);
    } catch (error) {
      if (error instanceof ApiError && error.kind === "not_found") throw watermarkNotFound();
      throw error;
    }
  }

  /** Claims a new rendition of `image` from its owner's budget, or refuses it naming the limit. */
  private async spend(caller: Caller, image: ImageRow, spec: RenditionSpec): Promise<void> {
    const { bucket, config } = this.platform;
    const standard = [THUMBNAIL, displayRendition(image)].flatMap((params) =>
      params ? [planRendition(image, params, undefined, config).name] : [],
    );
    if (standard.includes(spec.name)) return;
    const max = config.RENDITIONS_PER_IMAGE;
    // Only the renditions of the current edit count: those of earlier ones are never served (and are deleted). Names
    // of version 0 sort before every versioned one, so a listing of all of them starts with those.
    const version = image.edit_version;
    const prefix = versionedRenditionName("r/", version);
    const listed = await renditionNames(bucket, image.user_id, image.sha256, max + standard.length + 1, prefix);
    const stored = listed.filter((name) => !standard.includes(name) && renditionEditVersion(name) === version);
    if (stored.length >= max) {
      throw new ApiError(
        "unprocessable",
        `This image has ${stored.length} renditions stored, the most it may have (RENDITIONS_PER_IMAGE); ask for one of them.`,
      );
    }
    const { made, windowEnd } = await this.library(caller).claimRendition(3_600_000, Date.now());
    if (made > config.RENDITIONS_PER_HOUR) {
      const seconds = Math.max(1, Math.ceil((windowEnd - Date.now()) / 1000));
      throw new ApiError(
        "rate_limited",
        `At most ${config.RENDITIONS_PER_HOUR} new renditions an hour (RENDITIONS_PER_HOUR); stored ones are still served. Try again in ${seconds} seconds.`,
        { headers: { "Retry-After": String(seconds) } },
      );
    }
  }

  /**
   * A signed, expiring path to a file of the owner's image (see signed-url.ts); the HTTP layer adds the origin. A
   * link to a rendition names the image's edit version (`editVersion`), so it changes with every edit.
   */
  fileLink(
    image: { id: string; userId: string; editVersion?: number | undefined },
    rendition?: RenditionParams,
    view: FileLinkView = {},
  ) {
    const { config } = this.platform;
    const ev = rendition || view.preset ? image.editVersion || undefined : undefined;
    return signFileUrl(
      config.URL_SIGNING_SECRET,
      image.id,
      image.userId,
      config.SIGNED_URL_TTL_SECONDS,
      Date.now(),
      rendition,
      { ...view, ev },
    );
  }

  /** A signed link to the caller's image made with preset `name`: it names the preset and signs its options' digest. */
  async presetLink(caller: Caller, image: ImageRecord, name: string) {
    const { hash } = await this.presets.resolve(caller, name, "query.preset");
    return this.fileLink({ id: image.id, userId: image.user_id, editVersion: image.edit_version }, undefined, {
      preset: name,
      ph: hash,
    });
  }

  /**
   * The owner a file link was signed for, when its signature covers this image, rendition and view and has not
   * expired.
   */
  async verifyFileLink(
    imageId: string,
    query: { uid?: string | undefined; exp?: string | undefined; sig?: string | undefined },
    rendition: RenditionParams,
    view: FileLinkView = {},
  ): Promise<Caller> {
    if (!query.sig) throw new ApiError("unauthorized", "Use the image's signed `url`, or send a bearer token.");
    const check = await verifyFileSignature(
      this.platform.config.URL_SIGNING_SECRET,
      imageId,
      query,
      Date.now(),
      rendition,
      view,
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
  async ownedIds(caller: Caller, ids: string[]): Promise<Set<string>> {
    return new Set(await this.library(caller).ownedIds(ids));
  }

  /** Of these ids, the caller's images, each with its edit version (what its renditions are named by). */
  async editVersions(caller: Caller, ids: string[]): Promise<Map<string, number>> {
    return new Map(ids.length === 0 ? [] : await this.library(caller).editVersions(ids));
  }

  /** Makes (or finds) the rendition `params` ask of the caller's image; null when the image is gone. */
  async convert(caller: Caller, imageId: string, params: RenditionParams): Promise<ConvertedImage | null> {
    const image = await this.library(caller).get(imageId);
    if (!image) return null;
    const watermark = params.watermark && (await this.watermarkOf(caller, params.watermark.imageId));
    const spec = planRendition(image, params, undefined, this.platform.config, watermark);
    try {
      const bytes = await ensureRenditionStored(this.renditionDeps(), image, spec);
      return { name: spec.name, bytes, width: spec.width, height: spec.height, contentType: spec.output.format };
    } catch (error) {
      // Deleted meanwhile: the image (null), or the watermark (its 404 goes on, as when it was missing to begin with).
      const gone = error instanceof ApiError && error.kind === "not_found";
      if (gone && !(await this.ownedIds(caller, [imageId])).has(imageId)) return null;
      throw error;
    }
  }

  /**
   * The stored renditions of the caller's images named by `wanted`, in order, each opened only when read; those
   * whose image was deleted since are left out (their files went with it).
   */
  async renditionFiles(caller: Caller, wanted: { imageId: string; name: string }[]) {
    if (wanted.length === 0) return [];
    const found = await this.library(caller).getMany(wanted.map((item) => item.imageId));
    const images = new Map(found.map((image) => [image.id, image]));
    return wanted.flatMap(({ imageId, name }) => {
      const image = images.get(imageId);
      if (!image) return [];
      const key = derivedKey(caller.userId, image.sha256, name);
      return [{ image, name, open: () => this.platform.bucket.get(key) }];
    });
  }

  /** Every image of the user: the whole library object, then every file in R2. */
  deleteAllOf(caller: Caller): Promise<void> {
    return this.library(caller).deleteAll();
  }

  /** A session of the user ended: the library, which checks the sessions of reads itself, checks them anew. */
  sessionsEnded(caller: Caller): Promise<void> {
    return this.library(caller).forgetSessions();
  }

  private renditionDeps() {
    const { bucket, images, config } = this.platform;
    const library = (image: ImageRow) => this.library({ userId: image.user_id });
    const gone = async (image: ImageRow, watermarkId?: string) => {
      const owned = await library(image).ownedIds(watermarkId ? [image.id, watermarkId] : [image.id]);
      if (!owned.includes(image.id)) return "image" as const;
      return watermarkId && !owned.includes(watermarkId) ? ("watermark" as const) : null;
    };
    const useWatermark = (image: ImageRow, watermarkId: string) =>
      library(image).useWatermark(watermarkId, image.sha256);
    return { bucket, images, config, gone, useWatermark };
  }

  /**
   * The cron's share: files without their image (see orphan-sweep.ts), and moving libraries still in D1 into their
   * objects (each library also moves itself the first time it is used), then dropping D1's emptied tables. Each
   * library tidies the rest itself (its alarm: tagging to queue again, dimensions to re-read, its search index).
   * What it did, for the log: objects scanned and deleted, libraries moved, and where D1's old tables stand.
   */
  async maintain(now = Date.now(), options: Partial<SweepOptions> = {}) {
    const graceMs = this.platform.config.ORPHAN_GRACE_SECONDS * 1000;
    const { moved, d1Tables } = await this.moveLibrariesFromD1(now);
    const sweep = await sweepOrphanObjects(this.platform, { graceMs, now, ...options });
    return { ...sweep, moved, d1Tables };
  }

  /**
   * Moves the libraries of up to `limit` owners who still have images in D1 (how many: `moved`). A run that finds
   * none has the old tables dropped once they have stayed empty for D1_TABLES_GRACE_MS (`d1Tables` says where they
   * stand); a run that finds some starts that wait over.
   */
  async moveLibrariesFromD1(now = Date.now(), limit = 20): Promise<{ moved: number; d1Tables: D1ImageTables }> {
    const { db } = this.platform;
    if (await d1ImageTablesDropped(db)) return { moved: 0, d1Tables: "gone" };
    const owners = await ownersWithD1Images(db, limit);
    if (owners.length === 0) return { moved: 0, d1Tables: await retireD1ImageTables(db, now, D1_TABLES_GRACE_MS) };
    await forgetD1ImageTablesEmpty(db);
    for (const userId of owners) await this.library({ userId }).moveFromD1();
    return { moved: owners.length, d1Tables: "in use" };
  }
}

/** The timeline period of a list or search request, as the `takenFrom` / `takenTo` query parameters give it. */
export interface TakenRange {
  takenFrom?: string | undefined;
  takenTo?: string | undefined;
}

/** takenFrom/takenTo as epoch ms: a date alone is its first (from) or last (to) millisecond, UTC. */
function takenRange(input: TakenRange): TakenPeriod {
  const at = (value: string | undefined, end: boolean) => {
    if (value === undefined) return undefined;
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
    return Date.parse(dateOnly ? `${value}T00:00:00Z` : value) + (dateOnly && end ? 86_399_999 : 0);
  };
  const range: TakenPeriod = {};
  const from = at(input.takenFrom, false);
  const to = at(input.takenTo, true);
  if (from !== undefined) range.from = from;
  if (to !== undefined) range.to = to;
  if (from !== undefined && to !== undefined && from > to) {
    throw invalidField("query.takenTo", "takenTo is before takenFrom.");
  }
  return range;
}

/** The position a timeline cursor continues after, or null for the first page; a malformed cursor is a 400. */
function timelineAfter(cursor: string | undefined): TimelinePosition | null {
  if (cursor === undefined || cursor === "") return null;
  const value = decodeJsonCursor(cursor) as { t?: unknown; s?: unknown } | null;
  if (!value || !Number.isSafeInteger(value.t) || !Number.isSafeInteger(value.s)) {
    throw invalidField("query.cursor", "The cursor is malformed or belongs to another listing.");
  }
  return { at: value.t as number, seq: value.s as number };
}

function unique(labels: string[]): string[] {
  return [...new Set(labels.filter(Boolean))];
}
