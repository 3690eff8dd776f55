import type { RouteHandler } from "@hono/zod-openapi";
import { issueTokens } from "../../auth/issue-tokens";
import { accountRules, ipRule } from "../../auth/login-limits";
import { hashPassword, UNKNOWN_USER_HASH, verifyPassword } from "../../auth/password";
import { passwordProblem } from "../../auth/password-policy";
import { check, hit } from "../../auth/rate-limit";
import { createSession, revokeSession, rotateRefreshToken } from "../../auth/sessions";
import { findUserByEmail, toUser } from "../../auth/users";
import type { AppEnv } from "../../lib/env";
import { newId } from "../../lib/ids";
import { ApiError } from "../../lib/problem";
import type { login, logout, refresh, register } from "./auth.routes";

export const registerHandler: RouteHandler<typeof register, AppEnv> = async (c) => {
  const { email, password } = c.req.valid("json");
  const { config } = c.var;
  await hit(c.env.DB, ipRule(c, config));

  const refusal = passwordProblem(password);
  if (refusal)
    throw new ApiError("validation_failed", refusal, { errors: [{ path: "body.password", message: refusal }] });

  const user = { id: newId("usr"), email, created_at: Date.now() };
  const inserted = await c.env.DB.prepare(
    "INSERT INTO users (id, email, password_hash, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (email) DO NOTHING RETURNING id",
  )
    .bind(user.id, user.email, await hashPassword(password, config.PASSWORD_PEPPER), user.created_at)
    .first();
  if (!inserted) throw new ApiError("conflict", "An account with this email already exists.");

  const session = await createSession(c.env.DB, user.id);
  return c.json({ user: toUser(user), tokens: await issueTokens(config, user.id, session) }, 201);
};

export const loginHandler: RouteHandler<typeof login, AppEnv> = async (c) => {
  const { email, password } = c.req.valid("json");
  const { config } = c.var;
  const db = c.env.DB;
  await hit(db, ipRule(c, config));
  const limits = await accountRules(c, config, email);
  for (const rule of limits) await check(db, rule);

  const user = await findUserByEmail(db, email);
  // Unknown emails are verified against a dummy hash: same work, same answer, no account enumeration.
  const result = await verifyPassword(password, user?.password_hash ?? UNKNOWN_USER_HASH, config.PASSWORD_PEPPER);
  if (!user || !result.valid) {
    for (const rule of limits) await hit(db, rule);
    throw new ApiError("unauthorized", "Invalid email or password.");
  }
  if (result.needsRehash) {
    await db
      .prepare("UPDATE users SET password_hash = ?2 WHERE id = ?1")
      .bind(user.id, await hashPassword(password, config.PASSWORD_PEPPER))
      .run();
  }

  const session = await createSession(db, user.id);
  return c.json({ user: toUser(user), tokens: await issueTokens(config, user.id, session) }, 200);
};

export const refreshHandler: RouteHandler<typeof refresh, AppEnv> = async (c) => {
  const { refreshToken } = c.req.valid("json");
  const { config } = c.var;
  await hit(c.env.DB, ipRule(c, config));

  const rotation = await rotateRefreshToken(c.env.DB, refreshToken);
  if (!rotation.ok) {
    const detail = {
      invalid: "The refresh token is not valid.",
      expired: "The session has expired; sign in again.",
      revoked: "The session was revoked; sign in again.",
      reused: "This refresh token was already used. The session has been revoked as a precaution; sign in again.",
    }[rotation.reason];
    throw new ApiError("unauthorized", detail);
  }
  return c.json(await issueTokens(config, rotation.userId, rotation.session), 200);
};

export const logoutHandler: RouteHandler<typeof logout, AppEnv> = async (c) => {
  await revokeSession(c.env.DB, c.var.auth.sessionId, "logout");
  return c.body(null, 204);
};
