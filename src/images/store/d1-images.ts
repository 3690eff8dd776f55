// The images, tags and search documents every user had in D1 before libraries moved into their own Durable Objects
// (migrations/0002–0011), and their move, a page at a time, into each owner's library (`moveLibraryFromD1`, run by
// the library when it opens, and by the cron for libraries nobody opens), after which they are deleted from D1. Once
// they are all gone, the cron drops the tables (below); everything here then reads D1 as empty.
import { existingShas, findImageRow, type ImageRow, insertImage } from "./image-rows";
import { type LibraryDb, readMeta, writeMeta } from "./library-schema";
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
  /** Whether R2 holds the object at this key. */
  stored: (key: string) => Promise<boolean>;
}

/**
 * The one-off move of the owner's rows from D1 (where every library lived before) into the library, a page per
 * transaction, kept in their order (seq), then deleted from D1. Resumable and idempotent: the progress is stored with
 * each page, rows already there are skipped, and each run first deletes from D1 what an interrupted run moved.
 *
 * Run again on a library that has moved (the cron does, for owners D1 still lists), it moves the rows a Worker of the
 * previous version wrote to D1 after the move, while a gradual deployment served both versions: those are the newest
 * images, so the library numbers them after its own (seq only grows), and bytes the library holds already stay the
 * one image they are. Such a row whose original is no longer in R2 is not moved: the user uploaded the same bytes on
 * the new version and deleted them, which removed the file the old version had written.
 */
export async function moveLibraryFromD1({ db, storage, d1, learn, stored }: MoveTarget): Promise<void> {
  const again = readMeta(db.sql, "moved_from_d1") === 1;
  let through = Number(readMeta(db.sql, "d1_moved_through") ?? 0);
  if (through > 0) await deleteD1Images(d1, db.owner, through);
  for (;;) {
    const page = await readD1Images(d1, db.owner, through, MOVE_PAGE);
    if (page.length === 0) break;
    const tagsOf = new Map(page.map((row) => [row.id, JSON.parse(row.tags_json) as MovedTag[]]));
    await learn([...tagsOf.values()].flat().map((tag) => tag.label));
    const lost = new Set<string>();
    if (again) for (const row of page) if (!(await stored(row.r2_key))) lost.add(row.id);
    if (lost.size > 0)
      console.error("rows written to D1 late whose files are gone: not moved", { owner: db.owner, ids: [...lost] });
    storage.transactionSync(() => {
      for (const { tags_json: _tags, ...row } of page) {
        if (lost.has(row.id) || findImageRow(db, row.id) || existingShas(db, [row.sha256]).length > 0) continue;
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
    if (noSuchTable(error)) return [];
    throw error;
  }
}

/**
 * Deletes the owner's moved rows up to `throughSeq`: search documents, tags, images, in one batch. Nothing to do when
 * D1 no longer has the tables (a move interrupted before its last delete resumes after they were dropped).
 */
export async function deleteD1Images(db: D1Database, userId: string, throughSeq: number): Promise<void> {
  const span = 68719476736; // 2^36: a document's rowid was owner_no * 2^36 + seq (migrations/0003)
  const base = `(SELECT n FROM image_search_owner WHERE user_id = ?1) * ${span}`;
  try {
    await db.batch([
      db.prepare(`DELETE FROM image_search WHERE rowid BETWEEN ${base} AND ${base} + ?2`).bind(userId, throughSeq),
      db
        .prepare(
          "DELETE FROM image_tags WHERE user_id = ?1 AND image_id IN (SELECT id FROM images WHERE user_id = ?1 AND seq <= ?2)",
        )
        .bind(userId, throughSeq),
      db.prepare("DELETE FROM images WHERE user_id = ?1 AND seq <= ?2").bind(userId, throughSeq),
    ]);
  } catch (error) {
    if (!noSuchTable(error)) throw error;
  }
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
    if (noSuchTable(error)) return [];
    throw error;
  }
}

// ---- the tables go ------------------------------------------------------------------------------------------------
// No migration can drop them: migrations are applied before the Worker that moves their rows is deployed. The cron
// drops them once they have stayed empty for a grace period, remembering in D1 (migrations/0013) when it first found
// them empty; the guard in the drop itself makes sure no row written meanwhile goes with them.

/** What the cron found of the old tables: rows in them, all empty (waiting out the grace period), dropped now, gone. */
export type D1ImageTables = "in use" | "empty" | "dropped" | "gone";

const EMPTY_SINCE = "d1_image_tables_empty";
const DROPPED = "d1_image_tables_dropped";

/** Whether the cron has dropped the old tables: then there is nothing left to ask D1 about them. */
export async function d1ImageTablesDropped(db: D1Database): Promise<boolean> {
  return (await db.prepare("SELECT 1 FROM maintenance_milestones WHERE name = ?1").bind(DROPPED).first()) !== null;
}

/** Rows are in the tables (again): the wait before the drop starts over once they have moved. */
export async function forgetD1ImageTablesEmpty(db: D1Database): Promise<void> {
  await db.prepare("DELETE FROM maintenance_milestones WHERE name = ?1").bind(EMPTY_SINCE).run();
}

/**
 * For the cron, once no owner has images in D1: records when it first found the old tables (images, tags, search
 * documents) all empty, and drops them when they have been empty for `graceMs` since. Rows in any of them forget that.
 */
export async function retireD1ImageTables(db: D1Database, now: number, graceMs: number): Promise<D1ImageTables> {
  let left: boolean;
  try {
    left = (await db.prepare(`SELECT ${ANY_ROW_LEFT} AS n`).first<{ n: number }>())!.n === 1;
  } catch (error) {
    if (noSuchTable(error)) return "gone"; // dropped by hand: there is nothing to wait for
    throw error;
  }
  if (left) {
    await forgetD1ImageTablesEmpty(db);
    return "in use";
  }
  const since = await db
    .prepare(
      `INSERT INTO maintenance_milestones (name, at) VALUES (?1, ?2)
       ON CONFLICT (name) DO UPDATE SET at = at RETURNING at`,
    )
    .bind(EMPTY_SINCE, now)
    .first<{ at: number }>();
  if (now - since!.at < graceMs) return "empty";
  return dropD1ImageTables(db, now);
}

/** True when one of the old tables holds a row. */
const ANY_ROW_LEFT =
  "EXISTS (SELECT 1 FROM images) OR EXISTS (SELECT 1 FROM image_tags) OR EXISTS (SELECT 1 FROM image_search)";

/**
 * Drops the old tables with everything that hangs on them (0002–0011: the search index's owner numbers, the trigger
 * on images; indexes go with their tables), and records the drop, in one batch: one transaction. It records first,
 * with no time (so the NOT NULL constraint fails and the batch rolls back) if a row reached the tables since they were
 * found empty. "gone" when they were dropped already.
 */
export async function dropD1ImageTables(db: D1Database, now: number): Promise<D1ImageTables> {
  try {
    await db.batch([
      db
        .prepare(
          `INSERT INTO maintenance_milestones (name, at) VALUES (?1, CASE WHEN ${ANY_ROW_LEFT} THEN NULL ELSE ?2 END)
           ON CONFLICT (name) DO UPDATE SET at = excluded.at`,
        )
        .bind(DROPPED, now),
      db.prepare("DROP TRIGGER IF EXISTS images_search_delete"),
      db.prepare("DROP TABLE IF EXISTS image_search"),
      db.prepare("DROP TABLE IF EXISTS image_search_owner"),
      db.prepare("DROP TABLE IF EXISTS image_tags"), // before images, which its rows reference
      db.prepare("DROP TABLE IF EXISTS images"),
      db.prepare("DELETE FROM maintenance_milestones WHERE name = ?1").bind(EMPTY_SINCE),
    ]);
    return "dropped";
  } catch (error) {
    if (noSuchTable(error)) return "gone";
    if (String(error).includes("NOT NULL constraint failed")) {
      await forgetD1ImageTablesEmpty(db);
      return "in use";
    }
    throw error;
  }
}

function noSuchTable(error: unknown): boolean {
  return String(error).includes("no such table");
}
