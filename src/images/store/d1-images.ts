// The images, tags and search documents every user had in D1 before libraries moved into their own Durable Objects
// (migrations/0002–0011), and their move, a page at a time, into each owner's library (`moveLibraryFromD1`, run by
// the library when it opens), after which they are deleted from D1. Goes with the tables, in the release after the
// move (migrations/0012).
import { existingShas, findImageRow, type ImageRow, insertImage, type LibraryDb } from "./image-rows";
import { readMeta, writeMeta } from "./library-schema";
import { reindexed } from "./search-index";
import { insertTagRows } from "./tag-rows";

/** Rows moved from D1 per transaction. */
const MOVE_PAGE = 200;

type MovedTag = { label: string; score: number; source: "ai" | "user"; model: string | null; rejected: number };

/** The library a move writes into: its SQL and storage, D1, and how it learns the broader words of labels. */
export interface MoveTarget {
  db: LibraryDb;
  storage: DurableObjectStorage;
  d1: D1Database;
  learn: (labels: string[]) => Promise<void>;
}

/**
 * The one-off move of the owner's rows from D1 (where every library lived before) into the library, a page per
 * transaction, kept in their order (seq), then deleted from D1. Resumable and idempotent: the progress is stored with
 * each page, rows already there are skipped, and each run first deletes from D1 what an interrupted run moved.
 *
 * Run again on a library that has moved (the cron does, for owners D1 still lists), it moves the rows a Worker of the
 * previous version wrote to D1 after the move, while a gradual deployment served both versions: those are the newest
 * images, so the library numbers them after its own (seq only grows), and bytes the library holds already stay the
 * one image they are.
 */
export async function moveLibraryFromD1({ db, storage, d1, learn }: MoveTarget): Promise<void> {
  const again = readMeta(db.sql, "moved_from_d1") === 1;
  let through = Number(readMeta(db.sql, "d1_moved_through") ?? 0);
  if (through > 0) await deleteD1Images(d1, db.owner, through);
  for (;;) {
    const page = await readD1Images(d1, db.owner, through, MOVE_PAGE);
    if (page.length === 0) break;
    const tagsOf = new Map(page.map((row) => [row.id, JSON.parse(row.tags_json) as MovedTag[]]));
    await learn([...tagsOf.values()].flat().map((tag) => tag.label));
    storage.transactionSync(() => {
      for (const { tags_json: _tags, ...row } of page) {
        if (findImageRow(db, row.id) || existingShas(db, [row.sha256]).length > 0) continue;
        const seq = insertImage(db, again ? { ...row, seq: undefined } : row);
        reindexed(db, row.id, seq, () => insertTagRows(db, row.id, tagsOf.get(row.id) ?? []));
      }
      through = page.at(-1)!.seq;
      writeMeta(db.sql, "d1_moved_through", through);
    });
    await deleteD1Images(d1, db.owner, through);
  }
  writeMeta(db.sql, "moved_from_d1", 1);
}

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
