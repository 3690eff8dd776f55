import { ApiError } from "../lib/problem";
import type { AuthDeps, ClientInfo } from "./auth-deps";
import { issueDeviceToken, verifyDeviceToken } from "./device-token";
import { accountRules, ipRule } from "./login-limits";
import { hashPassword, UNKNOWN_USER_HASH, verifyPassword } from "./password";
import { hit, refund } from "./rate-limit";
import type { SignedIn } from "./register";
import { createSession } from "./sessions";
import { issueTokens } from "./tokens";
import { verifyTurnstile } from "./turnstile";
import { findUserByEmail, type UserRow, updatePasswordHash } from "./users";

export interface LoginAttempt {
  email: string;
  password: string;
  turnstileToken?: string | undefined;
  /** From an earlier sign-in on this device (see device-token.ts). */
  deviceToken?: string | undefined;
  client: ClientInfo;
}

/**
 * Exchanges email and password for a new session. A known-device token sent along (from an earlier sign-in)
 * exempts this device from the account-wide failure limit.
 */
export async function login(deps: AuthDeps, input: LoginAttempt): Promise<SignedIn> {
  const { user, knownDevice } = await checkCredentials(deps, input);
  const session = await createSession(deps.db, user.id, { userAgent: input.client.userAgent });
  return {
    user,
    sessionId: session.sessionId,
    tokens: await issueTokens(deps.config, user.id, session),
    deviceToken: knownDevice ? input.deviceToken! : await issueDeviceToken(deps.config, user.id),
  };
}

/**
 * The account behind email and password, after the bot check and the rate limits; 401 otherwise. Unknown emails
 * are verified against a dummy hash: same work, same answer, no account enumeration. A hash made with older
 * parameters is replaced now that the password is known.
 */
export async function checkCredentials(
  { db, config, siteverify }: AuthDeps,
  input: LoginAttempt,
): Promise<{ user: UserRow; knownDevice: boolean }> {
  await hit(db, ipRule(config, input.client.ip));
  await verifyTurnstile(config, { token: input.turnstileToken, action: "login", ip: input.client.ip }, siteverify);
  const user = await findUserByEmail(db, input.email);
  const device = await verifyDeviceToken(config, input.deviceToken);
  const knownDevice = device !== null && user !== null && device.userId === user.id;
  // Every attempt counts as a failure until the password proves right (then it is refunded), so the limits
  // hold even for guesses sent in parallel.
  const limits = await accountRules(config, {
    clientIp: input.client.ip,
    email: input.email,
    device: knownDevice ? device : null,
    verifiedHuman: config.TURNSTILE === "on",
  });
  for (const rule of limits) await hit(db, rule);

  const result = await verifyPassword(input.password, user?.password_hash ?? UNKNOWN_USER_HASH, config.PASSWORD_PEPPER);
  if (!user || !result.valid) throw new ApiError("unauthorized", "Invalid email or password.");
  for (const rule of limits) await refund(db, rule);
  if (result.needsRehash) {
    await updatePasswordHash(db, user.id, await hashPassword(input.password, config.PASSWORD_PEPPER));
  }
  return { user, knownDevice };
}
