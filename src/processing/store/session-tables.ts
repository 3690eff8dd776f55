// Owner of a session object's own SQLite tables: the session row and its items. Survives restarts, evictions and
// deploys; nothing of a session lives only in memory.
import type {
  ItemRendition,
  ItemStatus,
  ProcessingOutput,
  SessionItem,
  SessionState,
  SessionStatus,
} from "../session-types";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS session (
  id TEXT PRIMARY KEY, user_id TEXT NOT NULL, status TEXT NOT NULL, output TEXT NOT NULL, version INTEGER NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, finished_at INTEGER
);
CREATE TABLE IF NOT EXISTS items (
  position INTEGER PRIMARY KEY, image_id TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT, rendition TEXT
);`;

type SessionRow = {
  id: string;
  user_id: string;
  status: SessionStatus;
  output: string;
  version: number;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
};
type ItemRow = {
  position: number;
  image_id: string;
  status: ItemStatus;
  attempts: number;
  error: string | null;
  rendition: string | null;
};

export class SessionTables {
  /**
   * Whether this object holds the tables. They are made by `create` only, so an object that never held a session (or
   * whose storage was deleted) stays empty: reads find nothing and writes do nothing, instead of throwing
   * `no such table` at a step that was still running when its session was deleted.
   */
  private present: boolean;

  constructor(private readonly sql: SqlStorage) {
    this.present =
      sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session'").toArray().length > 0;
  }

  /** After `deleteAll()`: the tables went with the rest of the storage. */
  dropped() {
    this.present = false;
  }

  create(session: { id: string; userId: string; output: ProcessingOutput; imageIds: string[]; now: number }) {
    this.sql.exec(SCHEMA);
    this.present = true;
    this.sql.exec(
      "INSERT INTO session (id, user_id, status, output, version, created_at, updated_at) VALUES (?, ?, 'draft', ?, 1, ?, ?)",
      session.id,
      session.userId,
      JSON.stringify(session.output),
      session.now,
      session.now,
    );
    this.replaceItems(session.imageIds);
  }

  replaceItems(imageIds: string[]) {
    if (!this.present) return;
    this.sql.exec("DELETE FROM items");
    imageIds.forEach((imageId, position) => {
      this.sql.exec("INSERT INTO items (position, image_id, status) VALUES (?, ?, 'pending')", position, imageId);
    });
  }

  /** The whole state, or null for an object that holds no session (never created, or deleted). */
  state(): SessionState | null {
    if (!this.present) return null;
    const row = this.sql.exec<SessionRow>("SELECT * FROM session").toArray()[0];
    if (!row) return null;
    const items = this.sql.exec<ItemRow>("SELECT * FROM items ORDER BY position").toArray().map(toItem);
    return {
      id: row.id,
      userId: row.user_id,
      status: row.status,
      output: JSON.parse(row.output) as ProcessingOutput,
      items,
      progress: {
        done: items.filter((item) => item.status === "done").length,
        failed: items.filter((item) => item.status === "failed").length,
        total: items.length,
      },
      version: row.version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      finishedAt: row.finished_at,
    };
  }

  /** Every change bumps the version: If-Match compares against it. */
  update(changes: { status?: SessionStatus; output?: ProcessingOutput; finishedAt?: number }, now: number) {
    if (!this.present) return;
    this.sql.exec(
      `UPDATE session SET status = coalesce(?, status), output = coalesce(?, output), finished_at = coalesce(?, finished_at),
       version = version + 1, updated_at = ?`,
      changes.status ?? null,
      changes.output ? JSON.stringify(changes.output) : null,
      changes.finishedAt ?? null,
      now,
    );
  }

  /** The next item to work on: one interrupted while processing comes first (it is retried), then pending ones. */
  nextItem(): { position: number; imageId: string; attempts: number } | null {
    return this.nextItems(1)[0] ?? null;
  }

  /** Up to `count` items to work on: interrupted ones first (their attempt was counted), then pending, in order. */
  nextItems(count: number): { position: number; imageId: string; attempts: number }[] {
    if (!this.present) return [];
    return this.sql
      .exec<ItemRow>(
        "SELECT * FROM items WHERE status IN ('processing', 'pending') ORDER BY status = 'pending', position LIMIT ?",
        count,
      )
      .toArray()
      .map((row) => ({ position: row.position, imageId: row.image_id, attempts: row.attempts }));
  }

  /** Recorded before the work starts, so an interrupted attempt still counts. */
  beginItem(position: number) {
    if (!this.present) return;
    this.sql.exec("UPDATE items SET status = 'processing', attempts = attempts + 1 WHERE position = ?", position);
  }

  finishItem(position: number, rendition: ItemRendition) {
    if (!this.present) return;
    this.sql.exec(
      "UPDATE items SET status = 'done', error = NULL, rendition = ? WHERE position = ?",
      JSON.stringify(rendition),
      position,
    );
  }

  failItem(position: number, error: string, retry: boolean) {
    if (!this.present) return;
    this.sql.exec(
      "UPDATE items SET status = ?, error = ? WHERE position = ?",
      retry ? "pending" : "failed",
      error,
      position,
    );
  }
}

function toItem(row: ItemRow): SessionItem {
  return {
    imageId: row.image_id,
    status: row.status,
    attempts: row.attempts,
    error: row.error,
    rendition: row.rendition ? (JSON.parse(row.rendition) as ItemRendition) : null,
  };
}
