import type { z } from "@hono/zod-openapi";
import type { SignedIn } from "../../auth/register";
import type { TokenPair } from "../../auth/tokens";
import type { UserRow } from "../../auth/users";
import type { AuthResultSchema, TokensSchema, UserSchema } from "./auth.schemas";

export function presentUser(user: Pick<UserRow, "id" | "email" | "created_at">): z.infer<typeof UserSchema> {
  return { id: user.id, email: user.email, createdAt: new Date(user.created_at).toISOString() };
}

export function presentTokens(tokens: TokenPair): z.infer<typeof TokensSchema> {
  return { ...tokens, refreshTokenExpiresAt: tokens.refreshTokenExpiresAt.toISOString() };
}

export function presentSignedIn(signedIn: SignedIn): z.infer<typeof AuthResultSchema> {
  return {
    user: presentUser(signedIn.user),
    tokens: presentTokens(signedIn.tokens),
    deviceToken: signedIn.deviceToken,
  };
}
