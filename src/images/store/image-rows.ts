// Owner of a library's `images` table (store/library-schema.ts). A library is one user's: the owner is the object,
// and `user_id` in a record is that owner, filled in here.
import type { ImageEdits } from "../edits";
import { byRank, type ImageTag } from "../labels";
import { emptyPhotoMetadata, type PhotoMetadata } from "../photo-metadata";
import type { SniffedImage } from "../sniff";
import type { LibraryDb } from "./library-schema";
import { VISIBLE_TAGS_JSON } from "./tag-rows";

export type ImageContentType = SniffedImage["contentType"];
export type TagStatus = "pending" | "tagged" | "failed";

export interface ImageRow {
  seq: number;
  id: string;
  user_id: string;
  r2_key: string;
  filename: string;
  content_type: ImageContentType;
  bytes: number;
  width: number;
  height: number;
  sha256: string;
  tag_status: TagStatus;
  tag_error: string | null;
  created_at: number;
  /** PhotoMetadata as JSON; null until read (images stored before the library read it: see the alarm). */
  metadata: string | null;
  /** When it was taken (PhotoMetadata.takenAtMs), for the timeline. */
  taken_ms: number | null;
  /** The perceptual hash (perceptual-hash.ts), null when it could not be made. */
  phash: string | null;
  /** Non-destructive edits (edits.ts), null when none; `width` and `height` stay the original's, as shown. */
  edits: ImageEdits | null;
  /** Grows with every change of the edits (0: never edited): part of every rendition's name and link. */
  edit_version: number;
}

/** An image with its visible tags, best first, and what the photo says about itself: what every service hands back. */
export interface ImageRecord extends ImageRow {
  tags: ImageTag[];
  photo: PhotoMetadata;
}

/** The columns stored (every ImageRow field but the owner, which is the library). */
const COLUMNS = [
  "seq",
  "id",
  "r2_key",
  "filename",
  "content_type",
  "bytes",
  "width",
  "height",
  "sha256",
  "tag_status",
  "tag_error",
  "created_at",
  "metadata",
  "taken_ms",
  "phash",
  "edits",
  "edit_version",
] as const;

/** The image columns of `i` plus its visible tags (as `tags_json`): an image and its tags in one statement. */
export const IMAGE_RECORD_COLUMNS = `${COLUMNS.map((column) => `i.${column}`).join(", ")}, ${VISIBLE_TAGS_JSON} AS tags_json`;

/** A row as SQL gives it: the edits still JSON. */
type StoredImageRow = Omit<ImageRow, "user_id" | "edits"> & { edits: string | null };

export type ImageRecordRow = StoredImageRow & { tags_json: string };

export function toImageRecord(owner: string, { tags_json, ...row }: ImageRecordRow): ImageRecord {
  const tags = (JSON.parse(tags_json) as (Omit<ImageTag, "score"> & { score: string })[])
    .map((tag) => ({ ...tag, score: Number(tag.score) }))
    .sort(byRank);
  const photo = row.metadata ? (JSON.parse(row.metadata) as PhotoMetadata) : emptyPhotoMetadata();
  return { ...toImageRow(owner, row), tags, photo };
}

function toImageRow(owner: string, row: StoredImageRow): ImageRow {
  return { ...row, user_id: owner, edits: row.edits ? (JSON.parse(row.edits) as ImageEdits) : null };
}

function records(db: LibraryDb, query: string, ...bindings: SqlStorageValue[]): ImageRecord[] {
  return db.sql
    .exec<ImageRecordRow>(query, ...bindings)
    .toArray()
    .map((row) => toImageRecord(db.owner, row));
}

export function findImage(db: LibraryDb, id: string): ImageRecord | null {
  return records(db, `SELECT ${IMAGE_RECORD_COLUMNS} FROM images i WHERE i.id = ?`, id)[0] ?? null;
}

/** The image's own columns, without its tags: what serving its files needs. */
export function findImageRow(db: LibraryDb, id: string): ImageRow | null {
  const row = db.sql.exec<StoredImageRow>(`SELECT ${COLUMNS.join(", ")} FROM images WHERE id = ?`, id).toArray()[0];
  return row ? toImageRow(db.owner, row) : null;
}

export function findImageBySha(db: LibraryDb, sha256: string): ImageRecord | null {
  return records(db, `SELECT ${IMAGE_RECORD_COLUMNS} FROM images i WHERE i.sha256 = ?`, sha256)[0] ?? null;
}

/** Newest first, keyset-paginated on `seq` (which only grows). */
export function listImageRecords(db: LibraryDb, limit: number, beforeSeq: number | null): ImageRecord[] {
  return records(
    db,
    `SELECT ${IMAGE_RECORD_COLUMNS} FROM images i WHERE i.seq < ? ORDER BY i.seq DESC LIMIT ?`,
    beforeSeq ?? Number.MAX_SAFE_INTEGER,
    limit,
  );
}

/** The images with these ids (others simply do not come back), in any order. */
export function findImages(db: LibraryDb, ids: string[]): ImageRecord[] {
  if (ids.length === 0) return [];
  return records(
    db,
    `SELECT ${IMAGE_RECORD_COLUMNS} FROM images i WHERE i.id IN (SELECT value FROM json_each(?))`,
    JSON.stringify(ids),
  );
}

/** Of these ids, the images of this library, each with its edit version (see rendition-spec.ts). */
export function editVersionsOf(db: LibraryDb, ids: string[]): [id: string, editVersion: number][] {
  if (ids.length === 0) return [];
  return db.sql
    .exec<{ id: string; edit_version: number }>(
      "SELECT id, edit_version FROM images WHERE id IN (SELECT value FROM json_each(?))",
      JSON.stringify(ids),
    )
    .toArray()
    .map((row) => [row.id, row.edit_version]);
}

/** Of these contents, the ones an image still has (so the objects stored for them are in use). */
export function existingShas(db: LibraryDb, shas: string[]): string[] {
  if (shas.length === 0) return [];
  return db.sql
    .exec<{ sha256: string }>(
      "SELECT sha256 FROM images WHERE sha256 IN (SELECT value FROM json_each(?))",
      JSON.stringify(shas),
    )
    .toArray()
    .map((row) => row.sha256);
}

/** A new image (`seq` given: a row moved from D1 keeps its place; else the next one). Returns its seq. */
export function insertImage(
  db: LibraryDb,
  row: Omit<ImageRow, "seq" | "user_id" | "metadata" | "taken_ms" | "phash" | "edits" | "edit_version"> & {
    seq?: number;
    geometry_checked?: number;
    tag_queued_at?: number | null;
    photo?: PhotoMetadata;
    phash?: string | null;
  },
): number {
  return db.sql
    .exec<{ seq: number }>(
      `INSERT INTO images (seq, id, r2_key, filename, content_type, bytes, width, height, sha256, tag_status, tag_error,
         created_at, geometry_checked, tag_queued_at, metadata, taken_ms, phash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
      row.seq ?? null,
      row.id,
      row.r2_key,
      row.filename,
      row.content_type,
      row.bytes,
      row.width,
      row.height,
      row.sha256,
      row.tag_status,
      row.tag_error,
      row.created_at,
      row.geometry_checked ?? 1,
      row.tag_queued_at ?? null,
      row.photo ? JSON.stringify(row.photo) : null,
      row.photo?.takenAtMs ?? null,
      row.phash ?? null,
    )
    .one().seq;
}

/** Where an image sits on the timeline: when it was taken, or uploaded when that is unknown; then its seq. */
export interface TimelinePosition {
  at: number;
  seq: number;
}

/** A period of the timeline, epoch ms, both ends included; an end left out is open. */
export interface TakenPeriod {
  from?: number | undefined;
  to?: number | undefined;
}

/** The timeline key in SQL (indexed: library-schema.ts step 2). */
const TIMELINE_AT = "coalesce(i.taken_ms, i.created_at)";

/**
 * Newest taken first (taken time, upload time when unknown), keyset-paginated on (at, seq): stable under ties and
 * under uploads meanwhile. `range` keeps images whose timeline time lies in [from, to] (epoch ms).
 */
export function listTimeline(
  db: LibraryDb,
  limit: number,
  after: TimelinePosition | null,
  range: TakenPeriod,
): ImageRecord[] {
  return records(
    db,
    `SELECT ${IMAGE_RECORD_COLUMNS} FROM images i
     WHERE ${TIMELINE_AT} BETWEEN ?1 AND ?2 AND (?3 IS NULL OR ${TIMELINE_AT} < ?3 OR (${TIMELINE_AT} = ?3 AND i.seq < ?4))
     ORDER BY ${TIMELINE_AT} DESC, i.seq DESC LIMIT ?5`,
    range.from ?? Number.MIN_SAFE_INTEGER,
    range.to ?? Number.MAX_SAFE_INTEGER,
    after?.at ?? null,
    after?.seq ?? null,
    limit,
  );
}

/** Images whose metadata and perceptual hash were never read (stored before the library read them). */
export function listPhotoFactsPending(db: LibraryDb, limit: number): { id: string; r2_key: string }[] {
  return db.sql
    .exec<{ id: string; r2_key: string }>(
      "SELECT id, r2_key FROM images WHERE metadata IS NULL ORDER BY seq LIMIT ?",
      limit,
    )
    .toArray();
}

/** Records what a photo says about itself and its perceptual hash. */
export function setPhotoFacts(db: LibraryDb, id: string, photo: PhotoMetadata, phash: string | null): void {
  db.sql.exec(
    "UPDATE images SET metadata = ?, taken_ms = ?, phash = ? WHERE id = ?",
    JSON.stringify(photo),
    photo.takenAtMs,
    phash,
    id,
  );
}

/** Every perceptual hash of the library with its image's id (for near-duplicates: a scan, see the engine). */
export function perceptualHashes(db: LibraryDb): { id: string; phash: string }[] {
  return db.sql.exec<{ id: string; phash: string }>("SELECT id, phash FROM images WHERE phash IS NOT NULL").toArray();
}

/**
 * Replaces an image's edits and moves its edit version on. `retag`: the picture was cut or turned, so its tags are to
 * be made again: it is pending, with no message in the queue yet (the caller sends one; the alarm if that fails).
 */
export function setImageEdits(db: LibraryDb, id: string, edits: ImageEdits | null, retag: boolean): void {
  db.sql.exec(
    `UPDATE images SET edits = ?1, edit_version = edit_version + 1,
       tag_status = CASE WHEN ?2 THEN 'pending' ELSE tag_status END,
       tag_error = CASE WHEN ?2 THEN NULL ELSE tag_error END,
       tag_queued_at = CASE WHEN ?2 THEN NULL ELSE tag_queued_at END
     WHERE id = ?3`,
    edits ? JSON.stringify(edits) : null,
    retag ? 1 : 0,
    id,
  );
}

export function setTagStatus(db: LibraryDb, id: string, status: TagStatus, error: string | null): void {
  db.sql.exec("UPDATE images SET tag_status = ?, tag_error = ? WHERE id = ?", status, error, id);
}

/** Deletes the image row; true when there was one. */
export function deleteImageRow(db: LibraryDb, id: string): boolean {
  return db.sql.exec("DELETE FROM images WHERE id = ?", id).rowsWritten > 0;
}

/** Images whose dimensions were recorded as stored, before orientation was read (D1's migrations/0008). */
export function listGeometryPending(db: LibraryDb, limit: number) {
  return db.sql
    .exec<{ id: string; r2_key: string; width: number; height: number }>(
      "SELECT id, r2_key, width, height FROM images WHERE geometry_checked = 0 ORDER BY seq LIMIT ?",
      limit,
    )
    .toArray();
}

/** Records an image's dimensions as shown (or confirms them). */
export function setGeometry(db: LibraryDb, id: string, width: number, height: number): void {
  db.sql.exec("UPDATE images SET width = ?, height = ?, geometry_checked = 1 WHERE id = ?", width, height, id);
}

/**
 * Images still waiting for their tags that are not in the queue, or whose message went more than `staleMs` ago
 * (lost with a restart of the local queue, or past its retries): oldest first, marked queued in the same statement.
 */
export function claimPendingTagging(db: LibraryDb, now: number, staleMs: number, limit: number): string[] {
  return db.sql
    .exec<{ id: string }>(
      `UPDATE images SET tag_queued_at = ?
       WHERE seq IN (SELECT seq FROM images WHERE tag_status = 'pending' AND (tag_queued_at IS NULL OR tag_queued_at < ?)
                     ORDER BY seq LIMIT ?)
       RETURNING id`,
      now,
      now - staleMs,
      limit,
    )
    .toArray()
    .map((row) => row.id);
}

/** When the oldest message of a pending image was sent (null: one was never sent); undefined when none is pending. */
export function oldestPendingTagging(db: LibraryDb): number | null | undefined {
  const row = db.sql
    .exec<{ at: number | null }>(
      "SELECT tag_queued_at AS at FROM images WHERE tag_status = 'pending' ORDER BY tag_queued_at IS NOT NULL, tag_queued_at LIMIT 1",
    )
    .toArray()[0];
  return row ? row.at : undefined;
}

/** Records that an image's tagging was handed to the queue. */
export function markTagQueued(db: LibraryDb, id: string, now: number): void {
  db.sql.exec("UPDATE images SET tag_queued_at = ? WHERE id = ?", now, id);
}

export function countImages(db: LibraryDb): number {
  return db.sql.exec<{ n: number }>("SELECT count(*) AS n FROM images").one().n;
}
