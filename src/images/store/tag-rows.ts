// Owner of the `image_tags` table. Writes are statements for the caller's batch, so that tags, the image row and
// the search document change together (D1's batch() is the transaction); every statement filters by owner.
import type { Tag } from "../tagger";
import { reindexImageStatements } from "./search-index";

/**
 * SQL expression: the visible (non-rejected) tags of the image aliased `i`, as a JSON array of
 * `{label, score, source}`, for reading an image and its tags in one statement. Order them with `byRank`.
 */
export const VISIBLE_TAGS_JSON = `(SELECT json_group_array(json_object('label', t.label, 'score', t.score, 'source', t.source, 'model', t.model))
  FROM image_tags t WHERE t.image_id = i.id AND t.user_id = i.user_id AND t.rejected = 0)`;

/**
 * Adds AI tags, only while the image exists (a delete during tagging wins); a label already present (a user tag, or
 * an AI tag the user rejected) is left as it is, which is what keeps a rejected tag rejected across retags.
 */
export function insertAiTagsStatement(db: D1Database, imageId: string, userId: string, tags: Tag[], model: string) {
  return db
    .prepare(
      `INSERT INTO image_tags (image_id, user_id, label, score, source, model)
       SELECT ?1, ?2, json_extract(value, '$.label'), json_extract(value, '$.score'), 'ai', ?4 FROM json_each(?3)
       WHERE EXISTS (SELECT 1 FROM images WHERE id = ?1 AND user_id = ?2)
       ON CONFLICT (image_id, label) DO NOTHING`,
    )
    .bind(imageId, userId, JSON.stringify(tags), model);
}

/** The AI tags a retag replaces: rejected ones stay (as rejections), user tags are never touched by the tagger. */
export function deleteAiTagsStatement(db: D1Database, imageId: string, userId: string) {
  return db
    .prepare("DELETE FROM image_tags WHERE image_id = ?1 AND user_id = ?2 AND source = 'ai' AND rejected = 0")
    .bind(imageId, userId);
}

/** User tags (a label already present becomes a visible user tag again), only while the image exists. */
export function addUserTagsStatement(db: D1Database, imageId: string, userId: string, labels: string[]) {
  return db
    .prepare(
      `INSERT INTO image_tags (image_id, user_id, label, score, source)
       SELECT ?1, ?2, value, 1, 'user' FROM json_each(?3)
       WHERE EXISTS (SELECT 1 FROM images WHERE id = ?1 AND user_id = ?2)
       ON CONFLICT (image_id, label) DO UPDATE SET source = 'user', score = 1, rejected = 0, model = NULL`,
    )
    .bind(imageId, userId, JSON.stringify(labels));
}

/** Removal keeps the row as a rejection (whoever added the label), so the tagger cannot bring it back. */
export function rejectTagsStatement(db: D1Database, imageId: string, userId: string, labels: string[]) {
  return db
    .prepare(
      "UPDATE image_tags SET rejected = 1 WHERE image_id = ?1 AND user_id = ?2 AND label IN (SELECT value FROM json_each(?3))",
    )
    .bind(imageId, userId, JSON.stringify(labels));
}

/** An image's tags, only while the image is at `version` (see image-rows.ts claimImageBySha). */
export function deleteImageTagsStatement(db: D1Database, imageId: string, userId: string, version: number) {
  return db
    .prepare(
      `DELETE FROM image_tags WHERE image_id = ?1 AND user_id = ?2
       AND EXISTS (SELECT 1 FROM images WHERE id = ?1 AND user_id = ?2 AND version = ?3)`,
    )
    .bind(imageId, userId, version);
}

export function deleteUserTagsStatement(db: D1Database, userId: string) {
  return db.prepare("DELETE FROM image_tags WHERE user_id = ?1").bind(userId);
}

export interface TagCount {
  label: string;
  count: number;
}

/** The owner's visible tags starting with `prefix` (already normalised), most used first. */
export async function countTags(db: D1Database, userId: string, prefix: string, limit: number): Promise<TagCount[]> {
  // A range on the (user_id, label) index instead of LIKE: no wildcard escaping, and it stays an index seek.
  const { results } = await db
    .prepare(
      `SELECT label, COUNT(*) AS count FROM image_tags
       WHERE user_id = ?1 AND rejected = 0 AND label >= ?2 AND label < ?2 || char(1114111)
       GROUP BY label ORDER BY count DESC, label LIMIT ?3`,
    )
    .bind(userId, prefix, limit)
    .all<TagCount>();
  return results;
}

/** Statements that add an image's AI tags and bring its search document in step, for one atomic batch. */
export function aiTagWriteStatements(db: D1Database, imageId: string, userId: string, tags: Tag[], model: string) {
  return [insertAiTagsStatement(db, imageId, userId, tags, model), ...reindexImageStatements(db, imageId)];
}
