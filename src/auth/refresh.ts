import { ApiError } from "../lib/problem";
import type { AuthDeps, ClientInfo } from "./auth-deps";
import { ipRule } from "./login-limits";
import { hit } from "./rate-limit";
import { rotateRefreshToken } from "./sessions";
import { issueTokens, type TokenPair } from "./tokens";

const REFUSALS = {
  invalid: "The refresh token is not valid.",
  expired: "The session has expired; sign in again.",
  revoked: "The session was revoked; sign in again.",
  reused: "This refresh token was already used. The session has been revoked as a precaution; sign in again.",
} as const;

/** Spends a refresh token for a new pair; presenting a spent one revokes the whole session. */
export async function refresh(
  { db, config }: AuthDeps,
  input: { refreshToken: string; client: ClientInfo },
): Promise<TokenPair> {
  await hit(db, ipRule(config, input.client.ip));
  const rotation = await rotateRefreshToken(db, input.refreshToken);
  if (!rotation.ok) throw new ApiError("unauthorized", REFUSALS[rotation.reason]);
  return issueTokens(config, rotation.userId, rotation.session);
}
