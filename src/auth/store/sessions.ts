import { base64url, newId, sha256Hex } from "../../lib/encoding";
import { openSuccessor, sealSuccessor } from "../sealed-successor";

// Owner of the `sessions` and `refresh_tokens` tables.

/** Absolute session lifetime: refreshing rotates the token but never extends the session. */
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * A spent refresh token presented again this soon after it was spent gets the same successor (concurrent
 * refreshes from two tabs, a retried request); later, it is reuse and revokes the session.
 */
export const REFRESH_GRACE_MS = 10_000;

export interface IssuedSession {
  sessionId: string;
  /** Opaque, 256 random bits; only its SHA-256 is stored. */
  refreshToken: string;
  refreshTokenExpiresAt: number;
}

function newRefreshToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Longer User-Agent strings are cut: the value only labels a session for its owner. */
const USER_AGENT_MAX_CHARS = 256;

export async function createSession(
  db: D1Database,
  userId: string,
  client: { userAgent?: string | undefined } = {},
  now = Date.now(),
): Promise<IssuedSession> {
  const sessionId = newId("ses");
  const refreshToken = newRefreshToken();
  const expiresAt = now + SESSION_TTL_MS;
  await db.batch([
    insertSessionStatement(db, { sessionId, userId, now, expiresAt, userAgent: client.userAgent }),
    db
      .prepare("INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)")
      .bind(await sha256Hex(refreshToken), sessionId, now, expiresAt),
  ]);
  return { sessionId, refreshToken, refreshTokenExpiresAt: expiresAt };
}

/**
 * A session with no refresh token that ends with the one access token it backs (the legacy layer's, whose
 * frontend never refreshes): revocable like any other, listed among the user's sessions only while it works.
 */
export async function createUnrenewableSession(
  db: D1Database,
  userId: string,
  client: { userAgent?: string | undefined },
  lifetimeMs: number,
  now = Date.now(),
): Promise<string> {
  const sessionId = newId("ses");
  await insertSessionStatement(db, { sessionId, userId, now, expiresAt: now + lifetimeMs, ...client }).run();
  return sessionId;
}

function insertSessionStatement(
  db: D1Database,
  row: { sessionId: string; userId: string; now: number; expiresAt: number; userAgent?: string | undefined },
) {
  return db
    .prepare(
      "INSERT INTO sessions (id, user_id, created_at, expires_at, user_agent, last_used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?3)",
    )
    .bind(row.sessionId, row.userId, row.now, row.expiresAt, row.userAgent?.slice(0, USER_AGENT_MAX_CHARS) ?? null);
}

export type RotationResult =
  | { ok: true; userId: string; session: IssuedSession }
  | { ok: false; reason: "invalid" | "expired" | "revoked" }
  /** A spent token presented again: the session of `userId` is revoked now. */
  | { ok: false; reason: "reused"; userId: string };

/**
 * Exchanges a refresh token for its successor in one atomic batch. The claim (`used_at IS NULL`) and the insert
 * of the successor are tied by the successor's hash, so of N concurrent refreshes with one token exactly one
 * claims it; the others, arriving within REFRESH_GRACE_MS, are handed the same successor (see sealed-successor.ts)
 * as long as it is unspent. Presenting a spent token later is reuse: the whole session is revoked.
 */
export async function rotateRefreshToken(
  db: D1Database,
  refreshToken: string,
  now = Date.now(),
): Promise<RotationResult> {
  const tokenHash = await sha256Hex(refreshToken);
  const successor = newRefreshToken();
  const successorHash = await sha256Hex(successor);

  const [claim] = await db.batch<{ session_id: string; user_id: string; expires_at: number }>([
    db
      .prepare(
        `UPDATE refresh_tokens SET used_at = ?3, replaced_by = ?2, successor_sealed = ?4
         WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?3
           AND session_id IN (SELECT id FROM sessions WHERE revoked_at IS NULL AND expires_at > ?3)
         RETURNING session_id,
           (SELECT user_id FROM sessions WHERE sessions.id = refresh_tokens.session_id) AS user_id,
           expires_at`,
      )
      .bind(tokenHash, successorHash, now, await sealSuccessor(refreshToken, successor)),
    db
      .prepare(
        `INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at)
         SELECT ?2, session_id, ?3, expires_at FROM refresh_tokens WHERE token_hash = ?1 AND replaced_by = ?2`,
      )
      .bind(tokenHash, successorHash, now),
    db
      .prepare(
        `UPDATE sessions SET last_used_at = ?3
         WHERE id = (SELECT session_id FROM refresh_tokens WHERE token_hash = ?1 AND replaced_by = ?2)`,
      )
      .bind(tokenHash, successorHash, now),
  ]);

  const claimed = claim?.results[0];
  if (claimed) {
    return {
      ok: true,
      userId: claimed.user_id,
      session: { sessionId: claimed.session_id, refreshToken: successor, refreshTokenExpiresAt: claimed.expires_at },
    };
  }
  return explainFailedRotation(db, refreshToken, tokenHash, now);
}

async function explainFailedRotation(
  db: D1Database,
  refreshToken: string,
  tokenHash: string,
  now: number,
): Promise<RotationResult> {
  const token = await db
    .prepare(
      `SELECT t.session_id, t.used_at, t.expires_at, t.successor_sealed, s.user_id, s.revoked_at,
         (SELECT n.used_at IS NULL FROM refresh_tokens n WHERE n.token_hash = t.replaced_by) AS successor_unspent
       FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = ?1`,
    )
    .bind(tokenHash)
    .first<{
      session_id: string;
      used_at: number | null;
      expires_at: number;
      successor_sealed: string | null;
      user_id: string;
      revoked_at: number | null;
      successor_unspent: number | null;
    }>();
  if (!token) return { ok: false, reason: "invalid" };
  if (token.revoked_at !== null) return { ok: false, reason: "revoked" };
  if (token.used_at !== null) {
    const withinGrace = now - token.used_at <= REFRESH_GRACE_MS && token.expires_at > now;
    const successor =
      withinGrace && token.successor_unspent === 1 && token.successor_sealed
        ? await openSuccessor(refreshToken, token.successor_sealed)
        : null;
    if (successor) {
      return {
        ok: true,
        userId: token.user_id,
        session: { sessionId: token.session_id, refreshToken: successor, refreshTokenExpiresAt: token.expires_at },
      };
    }
    await revokeSession(db, token.session_id, "refresh_token_reuse", now);
    return { ok: false, reason: "reused", userId: token.user_id };
  }
  return { ok: false, reason: token.expires_at <= now ? "expired" : "revoked" };
}

export async function revokeSession(
  db: D1Database,
  sessionId: string,
  reason: "logout" | "refresh_token_reuse",
  now = Date.now(),
) {
  await db
    .prepare("UPDATE sessions SET revoked_at = ?2, revoke_reason = ?3 WHERE id = ?1 AND revoked_at IS NULL")
    .bind(sessionId, now, reason)
    .run();
}

/** When the session ends (epoch ms) if it is active now (not revoked, not expired, the user's), else null. */
export async function activeSessionEnd(
  db: D1Database,
  sessionId: string,
  userId: string,
  now = Date.now(),
): Promise<number | null> {
  const row = await db
    .prepare(
      "SELECT expires_at FROM sessions WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL AND expires_at > ?3",
    )
    .bind(sessionId, userId, now)
    .first<{ expires_at: number }>();
  return row?.expires_at ?? null;
}

/**
 * Refresh tokens past their session's end can never be used again, and a sealed successor is only needed during
 * the grace window: the maintenance job drops both.
 */
export async function deleteExpiredRefreshTokens(db: D1Database, now = Date.now()): Promise<void> {
  await db.batch([
    db.prepare("DELETE FROM refresh_tokens WHERE expires_at < ?1").bind(now),
    db
      .prepare("UPDATE refresh_tokens SET successor_sealed = NULL WHERE successor_sealed IS NOT NULL AND used_at < ?1")
      .bind(now - REFRESH_GRACE_MS),
  ]);
}

export interface SessionRow {
  id: string;
  created_at: number;
  last_used_at: number;
  user_agent: string | null;
}

/** The user's sessions that still work, most recently used first. */
export async function listActiveSessions(db: D1Database, userId: string, now = Date.now()): Promise<SessionRow[]> {
  const { results } = await db
    .prepare(
      `SELECT id, created_at, coalesce(last_used_at, created_at) AS last_used_at, user_agent FROM sessions
       WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2 ORDER BY last_used_at DESC, id LIMIT 200`,
    )
    .bind(userId, now)
    .all<SessionRow>();
  return results;
}

/** Ends one of the user's sessions; false when the user has no such active session. */
export async function revokeUserSession(db: D1Database, userId: string, sessionId: string, now = Date.now()) {
  const ended = await db
    .prepare(
      `UPDATE sessions SET revoked_at = ?3, revoke_reason = 'ended_by_user'
       WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL AND expires_at > ?3 RETURNING id`,
    )
    .bind(sessionId, userId, now)
    .first();
  return ended !== null;
}

/** Ends every session of the user except `keep` (after a password change). */
export function revokeOtherSessionsStatement(db: D1Database, userId: string, keep: string, now = Date.now()) {
  return db
    .prepare(
      `UPDATE sessions SET revoked_at = ?3, revoke_reason = 'password_changed'
       WHERE user_id = ?1 AND id != ?2 AND revoked_at IS NULL`,
    )
    .bind(userId, keep, now);
}

/** For deleting an account: its refresh tokens and sessions. */
export function deleteUserSessionsStatements(db: D1Database, userId: string) {
  return [
    db
      .prepare("DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id = ?1)")
      .bind(userId),
    db.prepare("DELETE FROM sessions WHERE user_id = ?1").bind(userId),
  ];
}
