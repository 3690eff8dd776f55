import type { z } from "@hono/zod-openapi";
import type { Config } from "../lib/config";
import type { ImageSchema, TagSchema } from "../routes/images/images.schemas";
import { reindexImageStatements } from "./search-index";
import { signFileUrl } from "./signed-url";
import type { Tag } from "./tagger";

export interface ImageRow {
  seq: number;
  id: string;
  user_id: string;
  r2_key: string;
  filename: string;
  content_type: z.infer<typeof ImageSchema>["contentType"];
  bytes: number;
  width: number;
  height: number;
  sha256: string;
  tag_status: z.infer<typeof ImageSchema>["tagStatus"];
  tag_error: string | null;
  created_at: number;
}

type TagOut = z.infer<typeof TagSchema>;

const IMAGE_COLUMNS =
  "seq, id, user_id, r2_key, filename, content_type, bytes, width, height, sha256, tag_status, tag_error, created_at";

export function findImage(db: D1Database, userId: string, id: string): Promise<ImageRow | null> {
  return db
    .prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE id = ?1 AND user_id = ?2`)
    .bind(id, userId)
    .first<ImageRow>();
}

export function findImageBySha(db: D1Database, userId: string, sha256: string): Promise<ImageRow | null> {
  return db
    .prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE user_id = ?1 AND sha256 = ?2`)
    .bind(userId, sha256)
    .first<ImageRow>();
}

/** Newest first, keyset-paginated on `seq` (which only grows). */
export async function listImages(
  db: D1Database,
  userId: string,
  limit: number,
  beforeSeq: number | null,
): Promise<ImageRow[]> {
  const { results } = await db
    .prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE user_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3`)
    .bind(userId, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit)
    .all<ImageRow>();
  return results;
}

/** The owner's images with these ids (in any order); ids of other users' images simply do not come back. */
export async function findImagesByIds(db: D1Database, userId: string, ids: string[]): Promise<ImageRow[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE user_id = ?1 AND id IN (SELECT value FROM json_each(?2))`)
    .bind(userId, JSON.stringify(ids))
    .all<ImageRow>();
  return results;
}

/** Visible (non-rejected) tags of the owner's images, best first. One query, however many images. */
export async function loadTags(db: D1Database, userId: string, imageIds: string[]): Promise<Map<string, TagOut[]>> {
  const byImage = new Map<string, TagOut[]>(imageIds.map((id) => [id, []]));
  if (imageIds.length === 0) return byImage;
  const { results } = await db
    .prepare(
      `SELECT image_id, label, score, source FROM image_tags
       WHERE user_id = ?1 AND rejected = 0 AND image_id IN (SELECT value FROM json_each(?2))
       ORDER BY score DESC, label`,
    )
    .bind(userId, JSON.stringify(imageIds))
    .all<TagOut & { image_id: string }>();
  for (const { image_id, ...tag } of results) byImage.get(image_id)?.push(tag);
  return byImage;
}

export function insertImageStatement(db: D1Database, row: Omit<ImageRow, "seq">): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO images (id, user_id, r2_key, filename, content_type, bytes, width, height, sha256, tag_status, tag_error, created_at)
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

/**
 * Adds AI tags; a label already present (a user tag, or an AI tag the user rejected) is left as it is, which is
 * what keeps a rejected tag rejected across retags.
 */
export function insertAiTagsStatement(
  db: D1Database,
  imageId: string,
  userId: string,
  tags: Tag[],
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO image_tags (image_id, user_id, label, score, source)
       SELECT ?1, ?2, json_extract(value, '$.label'), json_extract(value, '$.score'), 'ai' FROM json_each(?3) WHERE true
       ON CONFLICT (image_id, label) DO NOTHING`,
    )
    .bind(imageId, userId, JSON.stringify(tags));
}

/** Statements that write an image's tags and bring its search document in step, for one atomic batch. */
export function tagWriteStatements(
  db: D1Database,
  imageId: string,
  userId: string,
  tags: Tag[],
): D1PreparedStatement[] {
  return [insertAiTagsStatement(db, imageId, userId, tags), ...reindexImageStatements(db, imageId)];
}

export async function toImageResponse(
  row: ImageRow,
  tags: TagOut[],
  config: Config,
): Promise<z.infer<typeof ImageSchema>> {
  const signed = await signFileUrl(config.URL_SIGNING_SECRET, row.id, row.user_id, config.SIGNED_URL_TTL_SECONDS);
  return {
    id: row.id,
    filename: row.filename,
    contentType: row.content_type,
    bytes: row.bytes,
    width: row.width,
    height: row.height,
    sha256: row.sha256,
    tagStatus: row.tag_status,
    tagError: row.tag_error,
    tags,
    createdAt: new Date(row.created_at).toISOString(),
    url: signed.url,
    urlExpiresAt: signed.expiresAt.toISOString(),
  };
}

/** Loads tags for the rows and renders them, keeping the rows' order. */
export async function toImageResponses(db: D1Database, userId: string, rows: ImageRow[], config: Config) {
  const tags = await loadTags(
    db,
    userId,
    rows.map((row) => row.id),
  );
  return Promise.all(rows.map((row) => toImageResponse(row, tags.get(row.id) ?? [], config)));
}
