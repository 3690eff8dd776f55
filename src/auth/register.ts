import { newId } from "../lib/ids";
import { ApiError, invalidField } from "../lib/problem";
import type { AuthDeps, ClientInfo } from "./auth-deps";
import { issueDeviceToken } from "./device-token";
import { ipRule } from "./login-limits";
import { hashPassword } from "./password";
import { passwordProblem } from "./password-policy";
import { hit } from "./rate-limit";
import { createSession } from "./sessions";
import { issueTokens, type TokenPair } from "./tokens";
import { verifyTurnstile } from "./turnstile";
import { insertUser, type UserRow } from "./users";

export interface SignedIn {
  user: UserRow;
  sessionId: string;
  tokens: TokenPair;
  /** Marks this device as one that proved the password (see device-token.ts). */
  deviceToken: string;
}

/** Creates an account (email unique case-insensitively, NIST-style password policy) and signs it in. */
export async function register(
  deps: AuthDeps,
  input: { email: string; password: string; turnstileToken?: string | undefined; client: ClientInfo },
): Promise<SignedIn> {
  const user = await createAccount(deps, input);
  const session = await createSession(deps.db, user.id, { userAgent: input.client.userAgent });
  return {
    user,
    sessionId: session.sessionId,
    tokens: await issueTokens(deps.config, user.id, session),
    deviceToken: await issueDeviceToken(deps.config, user.id),
  };
}

/** The account alone, signed in nowhere (the legacy layer's register: its frontend logs in afterwards). */
export async function createAccount(
  { db, config, siteverify }: AuthDeps,
  input: { email: string; password: string; turnstileToken?: string | undefined; client: ClientInfo },
): Promise<UserRow> {
  await hit(db, ipRule(config, input.client.ip));
  await verifyTurnstile(config, { token: input.turnstileToken, action: "register", ip: input.client.ip }, siteverify);
  const refusal = passwordProblem(input.password);
  if (refusal) throw invalidField("body.password", refusal);

  const user: UserRow = {
    id: newId("usr"),
    email: input.email,
    password_hash: await hashPassword(input.password, config.PASSWORD_PEPPER),
    created_at: Date.now(),
  };
  if (!(await insertUser(db, user))) throw new ApiError("conflict", "An account with this email already exists.");
  return user;
}
