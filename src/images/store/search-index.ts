// Owner of the FTS5 search index (`image_search`, `image_search_owner`: migrations/0003 and 0004): keeping an image's
// search document in step with its tags.
//
// A document has six columns: the visible labels by confidence bucket (c4 … c0), and `a`, the distinct broader
// words of those labels (`label_terms`, from WordNet: "golden retriever" → dog, canine, animal, …). SEARCH_WEIGHTS
// gives `a` a tiny bm25 weight, so an ancestor-only match always ranks below a direct one (see ranked-search.ts).
//
// The statements only read D1 (images, image_tags) and write the index, so the caller appends them to the SAME
// batch() that writes the rows (a batch is one transaction): reindex after the tag writes, unindex before the
// images row is deleted. Both are idempotent and safe to run for an image with no tags (→ no document).

/** rowid of an image's search document = owner_no * 2^36 + images.seq (see the migration). */
export const SEARCH_SEQ_SPAN = 68719476736; // 2^36

const BUCKETS: readonly (readonly [string, string])[] = [
  ["c4", "t.score >= 0.8"],
  ["c3", "t.score >= 0.6 AND t.score < 0.8"],
  ["c2", "t.score >= 0.4 AND t.score < 0.6"],
  ["c1", "t.score >= 0.2 AND t.score < 0.4"],
  ["c0", "t.score < 0.2"],
];

const bucketColumn = (cond: string) =>
  `(SELECT group_concat(t.label, ', ') FROM image_tags t WHERE t.image_id = i.id AND t.rejected = 0 AND ${cond})`;

/** bm25() column weights, in column order: confidence buckets c4 … c0, then the ancestor words. */
export const SEARCH_WEIGHTS = [1.0, 0.8, 0.6, 0.4, 0.2, 0.001] as const;

const ANCESTOR_WORDS = `(SELECT group_concat(DISTINCT w.value) FROM image_tags t
  JOIN label_terms l ON l.label = t.label, json_each(l.words) w WHERE t.image_id = i.id AND t.rejected = 0)`;

const COLUMNS = [...BUCKETS.map(([column]) => column), "a"].join(", ");
const DOCUMENT = [...BUCKETS.map(([, cond]) => bucketColumn(cond)), ANCESTOR_WORDS].join(", ");

const DOC_ROWID = `(SELECT o.n * ${SEARCH_SEQ_SPAN} + i.seq FROM images i JOIN image_search_owner o ON o.user_id = i.user_id WHERE i.id = ?1)`;

const SQL_OWNER = `INSERT OR IGNORE INTO image_search_owner (user_id) SELECT user_id FROM images WHERE id = ?1`;
const SQL_DELETE = `DELETE FROM image_search WHERE rowid = ${DOC_ROWID}`;
const SQL_INSERT = `INSERT INTO image_search (rowid, ${COLUMNS})
SELECT o.n * ${SEARCH_SEQ_SPAN} + i.seq, ${DOCUMENT}
FROM images i JOIN image_search_owner o ON o.user_id = i.user_id
WHERE i.id = ?1 AND EXISTS (SELECT 1 FROM image_tags t WHERE t.image_id = i.id AND t.rejected = 0)`;

/** Statements that make image `imageId`'s search document match its current non-rejected tags. */
export function reindexImageStatements(db: D1Database, imageId: string): D1PreparedStatement[] {
  return [
    db.prepare(SQL_OWNER).bind(imageId),
    db.prepare(SQL_DELETE).bind(imageId),
    db.prepare(SQL_INSERT).bind(imageId),
  ];
}

/**
 * Statements that remove an image's search document; run them before the images row is deleted. With `version`,
 * only while the image is at that version (a delete that lost to a re-upload keeps the document).
 */
export function unindexImageStatements(db: D1Database, imageId: string, version?: number): D1PreparedStatement[] {
  if (version === undefined) return [db.prepare(SQL_DELETE).bind(imageId)];
  return [
    db.prepare(`${SQL_DELETE} AND EXISTS (SELECT 1 FROM images WHERE id = ?1 AND version = ?2)`).bind(imageId, version),
  ];
}

/** For bulk (re)builds, e.g. after restoring a database: the same document SQL for every image. */
export const REBUILD_ALL_SQL = [
  `INSERT OR IGNORE INTO image_search_owner (user_id) SELECT DISTINCT user_id FROM images ORDER BY user_id`,
  `DELETE FROM image_search`,
  `INSERT INTO image_search (rowid, ${COLUMNS})
SELECT o.n * ${SEARCH_SEQ_SPAN} + i.seq, ${DOCUMENT}
FROM images i JOIN image_search_owner o ON o.user_id = i.user_id
WHERE EXISTS (SELECT 1 FROM image_tags t WHERE t.image_id = i.id AND t.rejected = 0)`,
] as const;

/**
 * Uploads add one small FTS5 segment each; merging a bounded amount per maintenance run keeps search reads few and
 * short.
 */
export async function mergeSearchIndex(db: D1Database): Promise<void> {
  await db.prepare("INSERT INTO image_search (image_search, rank) VALUES ('merge', 500)").run();
}

/** For deleting an account: every search document of the user, and the user's owner number. */
export function unindexUserStatements(db: D1Database, userId: string): D1PreparedStatement[] {
  const base = `(SELECT n FROM image_search_owner WHERE user_id = ?1) * ${SEARCH_SEQ_SPAN}`;
  return [
    db
      .prepare(`DELETE FROM image_search WHERE rowid BETWEEN ${base} AND ${base} + ${SEARCH_SEQ_SPAN - 1}`)
      .bind(userId),
    db.prepare("DELETE FROM image_search_owner WHERE user_id = ?1").bind(userId),
  ];
}
