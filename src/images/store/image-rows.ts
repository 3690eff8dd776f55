// Owner of the `images` table. Every read and write is filtered by the owner in SQL.
import { byRank, type ImageTag } from "../labels";
import type { SniffedImage } from "../sniff";
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
}

/** An image with its visible tags, best first: what every service hands back. */
export interface ImageRecord extends ImageRow {
  tags: ImageTag[];
}

const COLUMNS = [
  "seq",
  "id",
  "user_id",
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
] as const;

/** The image columns of `i` plus its visible tags (as `tags_json`): an image and its tags in one statement. */
export const IMAGE_RECORD_COLUMNS = `${COLUMNS.map((column) => `i.${column}`).join(", ")}, ${VISIBLE_TAGS_JSON} AS tags_json`;

/** The same columns, all NULL except `seq` (named `seq_expr`): for UNIONs that carry a non-image row alongside. */
export function nullImageRecordColumns(seqExpr: string): string {
  return [`${seqExpr} AS seq`, ...COLUMNS.slice(1).map((column) => `NULL AS ${column}`), "NULL AS tags_json"].join(
    ", ",
  );
}

export type ImageRecordRow = ImageRow & { tags_json: string };

export function toImageRecord({ tags_json, ...row }: ImageRecordRow): ImageRecord {
  const tags = (JSON.parse(tags_json) as ImageTag[]).sort(byRank);
  return { ...row, tags };
}

export async function findImage(db: D1Database, userId: string, id: string): Promise<ImageRecord | null> {
  const row = await db
    .prepare(`SELECT ${IMAGE_RECORD_COLUMNS} FROM images i WHERE i.id = ?1 AND i.user_id = ?2`)
    .bind(id, userId)
    .first<ImageRecordRow>();
  return row && toImageRecord(row);
}

export async function findImageBySha(db: D1Database, userId: string, sha256: string): Promise<ImageRecord | null> {
  const row = await db
    .prepare(`SELECT ${IMAGE_RECORD_COLUMNS} FROM images i WHERE i.user_id = ?1 AND i.sha256 = ?2`)
    .bind(userId, sha256)
    .first<ImageRecordRow>();
  return row && toImageRecord(row);
}

/** Newest first, keyset-paginated on `seq` (which only grows). */
export async function listImageRecords(
  db: D1Database,
  userId: string,
  limit: number,
  beforeSeq: number | null,
): Promise<ImageRecord[]> {
  const { results } = await db
    .prepare(
      `SELECT ${IMAGE_RECORD_COLUMNS} FROM images i WHERE i.user_id = ?1 AND i.seq < ?2 ORDER BY i.seq DESC LIMIT ?3`,
    )
    .bind(userId, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit)
    .all<ImageRecordRow>();
  return results.map(toImageRecord);
}

export function insertImageStatement(db: D1Database, row: Omit<ImageRow, "seq">): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO images (${COLUMNS.slice(1).join(", ")})
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING seq`,
    )
    .bind(
      row.id,
      row.user_id,
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
    );
}

export function setTagStatusStatement(
  db: D1Database,
  userId: string,
  id: string,
  status: TagStatus,
  error: string | null,
): D1PreparedStatement {
  return db
    .prepare("UPDATE images SET tag_status = ?3, tag_error = ?4 WHERE id = ?1 AND user_id = ?2")
    .bind(id, userId, status, error);
}

/** Deletes the owner's image; with `version`, only at it (see claimImageBySha): `changes` is 0 when it moved on. */
export function deleteImageStatement(db: D1Database, userId: string, id: string, version?: number) {
  return db
    .prepare("DELETE FROM images WHERE id = ?1 AND user_id = ?2 AND (?3 IS NULL OR version = ?3)")
    .bind(id, userId, version ?? null);
}

/** The version of the owner's image, or null when there is none. */
export async function imageVersion(db: D1Database, userId: string, id: string): Promise<number | null> {
  const row = await db
    .prepare("SELECT version FROM images WHERE id = ?1 AND user_id = ?2")
    .bind(id, userId)
    .first<{ version: number }>();
  return row?.version ?? null;
}

/**
 * The owner's image with these bytes, claimed for a new upload of them in the same statement (its version moves on,
 * so a delete that read the old one removes nothing): null when there is none, or it was deleted first.
 */
export async function claimImageBySha(db: D1Database, userId: string, sha256: string): Promise<ImageRecord | null> {
  const claimed = await db
    .prepare("UPDATE images SET version = version + 1 WHERE user_id = ?1 AND sha256 = ?2 RETURNING id")
    .bind(userId, sha256)
    .first<{ id: string }>();
  return claimed && findImage(db, userId, claimed.id);
}

export function deleteUserImagesStatement(db: D1Database, userId: string): D1PreparedStatement {
  return db.prepare("DELETE FROM images WHERE user_id = ?1").bind(userId);
}

/** The owner's images with these ids (others' simply do not come back), in any order. */
export async function findImages(db: D1Database, userId: string, ids: string[]): Promise<ImageRecord[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT ${IMAGE_RECORD_COLUMNS} FROM images i WHERE i.user_id = ?1 AND i.id IN (SELECT value FROM json_each(?2))`,
    )
    .bind(userId, JSON.stringify(ids))
    .all<ImageRecordRow>();
  return results.map(toImageRecord);
}

/** Of these ids, the ones that are the owner's images. */
export async function ownedImageIds(db: D1Database, userId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { results } = await db
    .prepare("SELECT id FROM images WHERE user_id = ?1 AND id IN (SELECT value FROM json_each(?2))")
    .bind(userId, JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((row) => row.id));
}

/** Whether the owner still has an image with these bytes (so the objects stored for them are in use). */
export async function hasImageWithSha(db: D1Database, userId: string, sha256: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS found FROM images WHERE user_id = ?1 AND sha256 = ?2")
    .bind(userId, sha256)
    .first();
  return row !== null;
}

/** Of these (owner, sha256) pairs, the ones that still have an image row. One query for a whole page of keys. */
export async function existingImageShas(
  db: D1Database,
  pairs: { userId: string; sha256: string }[],
): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const { results } = await db
    .prepare(
      `SELECT DISTINCT images.user_id AS userId, images.sha256 AS sha256 FROM json_each(?1) AS k
       JOIN images ON images.user_id = json_extract(k.value, '$.userId') AND images.sha256 = json_extract(k.value, '$.sha256')`,
    )
    .bind(JSON.stringify(pairs))
    .all<{ userId: string; sha256: string }>();
  return new Set(results.map((row) => `${row.userId}/${row.sha256}`));
}

/** Images whose dimensions were recorded as stored, before orientation was read (migrations/0008), oldest first. */
export async function listGeometryPending(
  db: D1Database,
  limit: number,
): Promise<{ id: string; user_id: string; r2_key: string; width: number; height: number }[]> {
  const { results } = await db
    .prepare("SELECT id, user_id, r2_key, width, height FROM images WHERE geometry_checked = 0 ORDER BY seq LIMIT ?1")
    .bind(limit)
    .all<{ id: string; user_id: string; r2_key: string; width: number; height: number }>();
  return results;
}

/** Records an image's dimensions as shown (or confirms them). */
export function setGeometryStatement(db: D1Database, userId: string, id: string, width: number, height: number) {
  return db
    .prepare("UPDATE images SET width = ?3, height = ?4, geometry_checked = 1 WHERE id = ?1 AND user_id = ?2")
    .bind(id, userId, width, height);
}

/**
 * Images still waiting for their tags that are not in the queue, or whose message went more than `staleMs` ago
 * (lost with a restart of the local queue, or past its retries): oldest first. Marked queued in the same statement.
 */
export async function claimPendingTagging(
  db: D1Database,
  now: number,
  staleMs: number,
  limit: number,
): Promise<{ id: string; user_id: string }[]> {
  const { results } = await db
    .prepare(
      `UPDATE images SET tag_queued_at = ?1
       WHERE seq IN (SELECT seq FROM images WHERE tag_status = 'pending' AND (tag_queued_at IS NULL OR tag_queued_at < ?2)
                     ORDER BY seq LIMIT ?3)
       RETURNING id, user_id`,
    )
    .bind(now, now - staleMs, limit)
    .all<{ id: string; user_id: string }>();
  return results;
}

/** Records that an image's tagging was handed to the queue. */
export function markTagQueuedStatement(db: D1Database, userId: string, id: string, now: number) {
  return db.prepare("UPDATE images SET tag_queued_at = ?3 WHERE id = ?1 AND user_id = ?2").bind(id, userId, now);
}
