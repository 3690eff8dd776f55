import type { AuthContext } from "./authenticate";
import { revokeSession } from "./sessions";

/** Ends the caller's session: its access and refresh tokens stop working at once. */
export async function logout(db: D1Database, auth: AuthContext): Promise<void> {
  await revokeSession(db, auth.sessionId, "logout");
}
