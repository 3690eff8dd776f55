// The images, tags and search documents every user had in D1 before libraries moved into their own Durable Objects
// (migrations/0002–0011). Read here only to move them, a page at a time, into each owner's library (the library
// engine's `moveFromD1`), then deleted. Goes with the tables, in the release after the move (migrations/0012).
import type { ImageRow } from "./image-rows";

/** An image as D1 held it: the library's columns of the time, and every tag row (rejections included) as JSON. */
export type D1ImageRow = Omit<ImageRow, "user_id" | "metadata" | "taken_ms" | "phash"> & {
  tag_queued_at: number | null;
  geometry_checked: number;
  tags_json: string;
};

export type D1TagRow = { label: string; score: number; source: "ai" | "user"; model: string | null; rejected: number };

/** The owner's images after `afterSeq`, oldest first, with their tags; [] when D1 no longer has the tables. */
export async function readD1Images(
  db: D1Database,
  userId: string,
  afterSeq: number,
  limit: number,
): Promise<D1ImageRow[]> {
  try {
    const { results } = await db
      .prepare(
        `SELECT i.seq, i.id, i.r2_key, i.filename, i.content_type, i.bytes, i.width, i.height, i.sha256, i.tag_status,
           i.tag_error, i.tag_queued_at, i.geometry_checked, i.created_at,
           (SELECT json_group_array(json_object('label', t.label, 'score', t.score, 'source', t.source,
              'model', t.model, 'rejected', t.rejected)) FROM image_tags t WHERE t.image_id = i.id) AS tags_json
         FROM images i WHERE i.user_id = ?1 AND i.seq > ?2 ORDER BY i.seq LIMIT ?3`,
      )
      .bind(userId, afterSeq, limit)
      .all<D1ImageRow>();
    return results;
  } catch (error) {
    if (String(error).includes("no such table")) return [];
    throw error;
  }
}

/** Deletes the owner's moved rows up to `throughSeq`: search documents, tags, images, in one batch. */
export async function deleteD1Images(db: D1Database, userId: string, throughSeq: number): Promise<void> {
  const span = 68719476736; // 2^36: a document's rowid was owner_no * 2^36 + seq (migrations/0003)
  const base = `(SELECT n FROM image_search_owner WHERE user_id = ?1) * ${span}`;
  await db.batch([
    db.prepare(`DELETE FROM image_search WHERE rowid BETWEEN ${base} AND ${base} + ?2`).bind(userId, throughSeq),
    db
      .prepare(
        "DELETE FROM image_tags WHERE user_id = ?1 AND image_id IN (SELECT id FROM images WHERE user_id = ?1 AND seq <= ?2)",
      )
      .bind(userId, throughSeq),
    db.prepare("DELETE FROM images WHERE user_id = ?1 AND seq <= ?2").bind(userId, throughSeq),
  ]);
}

/** Some owners who still have images in D1 (for the maintenance job that moves them). */
export async function ownersWithD1Images(db: D1Database, limit: number): Promise<string[]> {
  try {
    const { results } = await db
      .prepare("SELECT DISTINCT user_id FROM images LIMIT ?1")
      .bind(limit)
      .all<{ user_id: string }>();
    return results.map((row) => row.user_id);
  } catch (error) {
    if (String(error).includes("no such table")) return [];
    throw error;
  }
}
