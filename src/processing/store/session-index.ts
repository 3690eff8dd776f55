// Owner of the D1 table `processing_sessions`: the per-user index of session objects. Every query filters by owner.
import type { SessionStatus } from "../session-types";

export interface SessionIndexRow {
  seq: number;
  id: string;
  status: SessionStatus;
}

export async function insertSessionIndex(
  db: D1Database,
  row: { id: string; userId: string; status: SessionStatus; now: number },
): Promise<void> {
  await db
    .prepare(
      "INSERT INTO processing_sessions (id, user_id, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
    )
    .bind(row.id, row.userId, row.status, row.now)
    .run();
}

export async function updateSessionIndex(
  db: D1Database,
  session: { id: string; userId: string },
  status: SessionStatus,
  now: number,
) {
  await db
    .prepare("UPDATE processing_sessions SET status = ?3, updated_at = ?4 WHERE id = ?1 AND user_id = ?2")
    .bind(session.id, session.userId, status, now)
    .run();
}

export async function deleteSessionIndex(db: D1Database, session: { id: string; userId: string }): Promise<void> {
  await db
    .prepare("DELETE FROM processing_sessions WHERE id = ?1 AND user_id = ?2")
    .bind(session.id, session.userId)
    .run();
}

/** Whether the user owns a session with this id. */
export async function ownsSession(db: D1Database, userId: string, id: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS found FROM processing_sessions WHERE id = ?1 AND user_id = ?2")
    .bind(id, userId)
    .first();
  return row !== null;
}

/** The user's sessions, newest first, keyset-paginated on seq; optionally one status only. */
export async function listSessionIndex(
  db: D1Database,
  input: { userId: string; limit: number; beforeSeq: number | null; status?: SessionStatus | undefined },
): Promise<SessionIndexRow[]> {
  const { results } = await db
    .prepare(
      `SELECT seq, id, status FROM processing_sessions
       WHERE user_id = ?1 AND seq < ?2 AND (?3 IS NULL OR status = ?3) ORDER BY seq DESC LIMIT ?4`,
    )
    .bind(input.userId, input.beforeSeq ?? Number.MAX_SAFE_INTEGER, input.status ?? null, input.limit)
    .all<SessionIndexRow>();
  return results;
}

/**
 * Claims one of the user's running slots for this session, in one conditional statement: it becomes `running` in
 * the index only while fewer than `maxRunning` of the user's other sessions are. D1 runs one statement at a time, so
 * concurrent starts cannot all see a free slot (a separate count, then an update, let 8 of 8 through). False when
 * the user is at the limit (or the row is gone).
 */
export async function claimRunningSlot(
  db: D1Database,
  session: { id: string; userId: string },
  maxRunning: number,
  now: number,
): Promise<boolean> {
  const row = await db
    .prepare(
      `UPDATE processing_sessions SET status = 'running', updated_at = ?4
       WHERE id = ?1 AND user_id = ?2
         AND (SELECT count(*) FROM processing_sessions
              WHERE user_id = ?2 AND status = 'running' AND id <> ?1) < ?3
       RETURNING id`,
    )
    .bind(session.id, session.userId, maxRunning, now)
    .first<{ id: string }>();
  return row !== null;
}

/** The status the index holds for the session; null when it has no row (deleted, or never written). */
export async function indexedStatus(
  db: D1Database,
  session: { id: string; userId: string },
): Promise<SessionStatus | null> {
  const row = await db
    .prepare("SELECT status FROM processing_sessions WHERE id = ?1 AND user_id = ?2")
    .bind(session.id, session.userId)
    .first<{ status: SessionStatus }>();
  return row?.status ?? null;
}

/** For deleting an account: the ids of its sessions (to destroy each object), then the rows. */
export async function sessionIdsOf(db: D1Database, userId: string): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT id FROM processing_sessions WHERE user_id = ?1")
    .bind(userId)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

export function deleteUserSessionIndexStatement(db: D1Database, userId: string) {
  return db.prepare("DELETE FROM processing_sessions WHERE user_id = ?1").bind(userId);
}
