import type * as z from "zod";
import { clientInfo } from "../routes/context";
import { createRouter } from "../routes/create-router";
import type { TokenPair } from "./access-token";
import {
  type AuthResultSchema,
  getAuthConfigRoute,
  loginRoute,
  logoutRoute,
  refreshTokensRoute,
  registerRoute,
  type TokensSchema,
  type UserSchema,
} from "./auth.routes";
import type { SignedIn } from "./auth.service";
import { deviceLabel } from "./device-label";
import {
  changePasswordRoute,
  deleteAccountRoute,
  endLoginSessionRoute,
  getMeRoute,
  listLoginSessionsRoute,
} from "./me.routes";
import type { UserRow } from "./store/users";

/** /v1/auth (signing in and out) and /v1/me (the signed-in user's account). */
export const authRouter = createRouter()
  .openapi(getAuthConfigRoute, (c) => c.json({ turnstile: c.var.services.auth.turnstileSettings() }, 200))
  .openapi(registerRoute, async (c) => {
    const signedIn = await c.var.services.auth.register({ ...c.req.valid("json"), client: clientInfo(c) });
    return c.json(presentSignedIn(signedIn), 201);
  })
  .openapi(loginRoute, async (c) => {
    const signedIn = await c.var.services.auth.login({ ...c.req.valid("json"), client: clientInfo(c) });
    return c.json(presentSignedIn(signedIn), 200);
  })
  .openapi(refreshTokensRoute, async (c) => {
    const tokens = await c.var.services.auth.refresh({ ...c.req.valid("json"), client: clientInfo(c) });
    return c.json(presentTokens(tokens), 200);
  })
  .openapi(logoutRoute, async (c) => {
    await c.var.services.auth.logout(c.var.caller);
    return c.body(null, 204);
  })
  .openapi(getMeRoute, async (c) => c.json(presentUser(await c.var.services.auth.currentUser(c.var.caller)), 200))
  .openapi(deleteAccountRoute, async (c) => {
    await c.var.services.auth.deleteAccount(c.var.caller, c.req.valid("json"));
    return c.body(null, 204);
  })
  .openapi(changePasswordRoute, async (c) => {
    await c.var.services.auth.changePassword(c.var.caller, c.req.valid("json"));
    return c.body(null, 204);
  })
  .openapi(listLoginSessionsRoute, async (c) => {
    const sessions = await c.var.services.auth.listLoginSessions(c.var.caller);
    const items = sessions.map((session) => ({
      id: session.id,
      device: deviceLabel(session.user_agent),
      createdAt: new Date(session.created_at).toISOString(),
      lastUsedAt: new Date(session.last_used_at).toISOString(),
      current: session.current,
    }));
    return c.json({ items }, 200);
  })
  .openapi(endLoginSessionRoute, async (c) => {
    await c.var.services.auth.endLoginSession(c.var.caller, c.req.valid("param").id);
    return c.body(null, 204);
  });

function presentUser(user: Pick<UserRow, "id" | "email" | "created_at">): z.infer<typeof UserSchema> {
  return { id: user.id, email: user.email, createdAt: new Date(user.created_at).toISOString() };
}

function presentTokens(tokens: TokenPair): z.infer<typeof TokensSchema> {
  return { ...tokens, refreshTokenExpiresAt: tokens.refreshTokenExpiresAt.toISOString() };
}

function presentSignedIn(signedIn: SignedIn): z.infer<typeof AuthResultSchema> {
  return {
    user: presentUser(signedIn.user),
    tokens: presentTokens(signedIn.tokens),
    deviceToken: signedIn.deviceToken,
  };
}
