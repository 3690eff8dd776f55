import type { AuthContext } from "../auth/authenticate";
import { listActiveSessions, revokeUserSession, type SessionRow } from "../auth/sessions";
import { ApiError } from "../lib/problem";

export interface AccountSession extends SessionRow {
  current: boolean;
}

/** The logins of the caller that still work, each marked whether it is the one asking. */
export async function listSessions(db: D1Database, auth: AuthContext): Promise<AccountSession[]> {
  return (await listActiveSessions(db, auth.userId)).map((row) => ({ ...row, current: row.id === auth.sessionId }));
}

/** Ends one of the caller's logins (their own current one too: that is signing out). */
export async function endSession(db: D1Database, auth: AuthContext, sessionId: string): Promise<void> {
  if (!(await revokeUserSession(db, auth.userId, sessionId))) {
    throw new ApiError("not_found", "No active session with this id.");
  }
}
