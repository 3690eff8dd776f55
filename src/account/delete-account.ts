import type { AuthContext } from "../auth/authenticate";
import { verifyPassword } from "../auth/password";
import { deleteRateLimitsNamingStatement, hit } from "../auth/rate-limit";
import { deleteUserSessionsStatements } from "../auth/sessions";
import { deleteUserStatement, findUserById } from "../auth/users";
import { deleteUserObjects } from "../images/store/image-objects";
import { deleteUserImagesStatement } from "../images/store/image-rows";
import { unindexUserStatements } from "../images/store/search-index";
import { deleteUserTagsStatement } from "../images/store/tag-rows";
import type { Config } from "../lib/config";
import { sha256Hex } from "../lib/encoding";
import { ApiError } from "../lib/problem";
import { deleteUserSessionIndexStatement, sessionIdsOf } from "../processing/store/session-index";
import { passwordCheckRule } from "./password-check";

/**
 * Deletes the account and everything of it, after checking the password: its processing sessions (each object
 * and its index row), every row (search documents, tags,
 * images, refresh tokens, sessions, the user, the rate-limit counters naming the account) in one batch, then
 * every R2 object (originals and derived files). If the object deletion fails half-way, the rows are already gone
 * and the orphan sweep removes what is left.
 */
export async function deleteAccount(
  deps: { db: D1Database; bucket: R2Bucket; config: Config; sessions: Env["PROCESSING_SESSIONS"] },
  auth: AuthContext,
  input: { password: string },
): Promise<void> {
  const { db, config } = deps;
  await hit(db, passwordCheckRule(config, auth.userId));
  const user = await findUserById(db, auth.userId);
  if (!user) throw new ApiError("unauthorized", "The account no longer exists.");
  if (!(await verifyPassword(input.password, user.password_hash, config.PASSWORD_PEPPER)).valid) {
    throw new ApiError("forbidden", "The password is not right.");
  }
  // Each processing session object deletes its own storage and index row.
  for (const id of await sessionIdsOf(db, user.id)) {
    await deps.sessions.get(deps.sessions.idFromName(id)).destroy(user.id);
  }
  await db.batch([
    deleteUserSessionIndexStatement(db, user.id),
    ...unindexUserStatements(db, user.id),
    deleteUserTagsStatement(db, user.id),
    deleteUserImagesStatement(db, user.id),
    ...deleteUserSessionsStatements(db, user.id),
    deleteRateLimitsNamingStatement(db, await sha256Hex(user.email)),
    deleteRateLimitsNamingStatement(db, user.id),
    deleteUserStatement(db, user.id),
  ]);
  await deleteUserObjects(deps.bucket, user.id);
}
