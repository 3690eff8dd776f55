// Owner of a library's `image_tags` table. Every write changes what an image is found by, so the library engine runs
// it inside `reindexed` (search-index.ts), in one transaction with the search document and the term counts.
import type { Tag } from "../tagger";
import type { LibraryDb } from "./library-schema";

/**
 * SQL expression: the visible (non-rejected) tags of the image aliased `i`, as a JSON array of
 * `{label, score, source, model}`, for reading an image and its tags in one statement (`toImageRecord` reads them).
 * The score travels as text with 17 significant digits: SQLite's JSON writes a REAL with fewer, and a score read back
 * must equal the one written (an upload's answer is its read-back).
 */
export const VISIBLE_TAGS_JSON = `(SELECT json_group_array(json_object('label', t.label, 'score', printf('%!.17g', t.score), 'source', t.source, 'model', t.model))
  FROM image_tags t WHERE t.image_id = i.id AND t.rejected = 0)`;

/**
 * Replaces an image's AI tags: rejected ones stay (as rejections), user tags are never touched by the tagger, and a
 * label already present (a user tag, or an AI tag the user rejected) is left as it is.
 */
export function replaceAiTags(db: LibraryDb, imageId: string, tags: Tag[], model: string): void {
  db.sql.exec("DELETE FROM image_tags WHERE image_id = ? AND source = 'ai' AND rejected = 0", imageId);
  // One statement per tag (a model gives five): bound numbers, not JSON, so a score is stored exactly as given.
  for (const tag of tags) {
    db.sql.exec(
      `INSERT INTO image_tags (image_id, label, score, source, model) VALUES (?, ?, ?, 'ai', ?)
       ON CONFLICT (image_id, label) DO NOTHING`,
      imageId,
      tag.label,
      tag.score,
      model,
    );
  }
}

/** User tags (a label already present becomes a visible user tag again). */
export function addUserTags(db: LibraryDb, imageId: string, labels: string[]): void {
  db.sql.exec(
    `INSERT INTO image_tags (image_id, label, score, source)
     SELECT ?1, value, 1, 'user' FROM json_each(?2)
     WHERE true ON CONFLICT (image_id, label) DO UPDATE SET source = 'user', score = 1, rejected = 0, model = NULL`,
    imageId,
    JSON.stringify(labels),
  );
}

/** Removal keeps the row as a rejection (whoever added the label), so the tagger cannot bring it back. */
export function rejectTags(db: LibraryDb, imageId: string, labels: string[]): void {
  db.sql.exec(
    "UPDATE image_tags SET rejected = 1 WHERE image_id = ? AND label IN (SELECT value FROM json_each(?))",
    imageId,
    JSON.stringify(labels),
  );
}

/** Every tag row of an image, rejections included (a row moved from D1). */
export function insertTagRows(
  db: LibraryDb,
  imageId: string,
  rows: { label: string; score: number; source: "ai" | "user"; model: string | null; rejected: number }[],
): void {
  for (const row of rows) {
    db.sql.exec(
      `INSERT INTO image_tags (image_id, label, score, source, model, rejected) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (image_id, label) DO NOTHING`,
      imageId,
      row.label,
      row.score,
      row.source,
      row.model,
      row.rejected,
    );
  }
}

export function deleteImageTags(db: LibraryDb, imageId: string): void {
  db.sql.exec("DELETE FROM image_tags WHERE image_id = ?", imageId);
}

/** The visible labels of an image with their scores. */
export function visibleTags(db: LibraryDb, imageId: string): Tag[] {
  return db.sql
    .exec<{ label: string; score: number }>(
      "SELECT label, score FROM image_tags WHERE image_id = ? AND rejected = 0",
      imageId,
    )
    .toArray();
}

export interface TagCount {
  label: string;
  count: number;
}

/** The library's visible tags starting with `prefix` (already normalised), most used first. */
export function countTags(db: LibraryDb, prefix: string, limit: number): TagCount[] {
  // A range on the label index instead of LIKE: no wildcard escaping, and it stays an index seek.
  return db.sql
    .exec<TagCount & Record<string, SqlStorageValue>>(
      `SELECT label, COUNT(*) AS count FROM image_tags
       WHERE rejected = 0 AND label >= ?1 AND label < ?1 || char(1114111)
       GROUP BY label ORDER BY count DESC, label LIMIT ?2`,
      prefix,
      limit,
    )
    .toArray();
}
