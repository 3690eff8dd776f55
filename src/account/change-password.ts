import type { AuthDeps, ClientInfo } from "../auth/auth-deps";
import type { AuthContext } from "../auth/authenticate";
import { hashPassword, verifyPassword } from "../auth/password";
import { passwordProblem } from "../auth/password-policy";
import { hit, refund } from "../auth/rate-limit";
import { revokeOtherSessionsStatement } from "../auth/sessions";
import { findUserById, updatePasswordHashStatement } from "../auth/users";
import { ApiError, invalidField } from "../lib/problem";
import { passwordCheckRule } from "./password-check";

/**
 * Replaces the password after checking the current one, and ends every other session of the user (a thief who
 * knew the old password is signed out everywhere); the caller's own session goes on. The hash and the revocation
 * are one batch.
 */
export async function changePassword(
  { db, config }: AuthDeps,
  auth: AuthContext,
  input: { currentPassword: string; newPassword: string; client: ClientInfo },
): Promise<void> {
  const rule = passwordCheckRule(config, auth.userId);
  await hit(db, rule);
  const user = await findUserById(db, auth.userId);
  if (!user) throw new ApiError("unauthorized", "The account no longer exists.");
  const current = await verifyPassword(input.currentPassword, user.password_hash, config.PASSWORD_PEPPER);
  if (!current.valid) throw new ApiError("forbidden", "The current password is not right.");
  await refund(db, rule);

  const refusal = passwordProblem(input.newPassword);
  if (refusal) throw invalidField("body.newPassword", refusal);
  await db.batch([
    updatePasswordHashStatement(db, user.id, await hashPassword(input.newPassword, config.PASSWORD_PEPPER)),
    revokeOtherSessionsStatement(db, user.id, auth.sessionId),
  ]);
}
