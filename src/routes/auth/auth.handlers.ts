import type { RouteHandler } from "@hono/zod-openapi";
import { login } from "../../auth/login";
import { logout } from "../../auth/logout";
import { refresh } from "../../auth/refresh";
import { register } from "../../auth/register";
import type { AppEnv } from "../http/app-env";
import { clientInfo } from "../http/client-info";
import { authDeps } from "../http/service-deps";
import { presentSignedIn, presentTokens } from "./auth.presenters";
import type {
  getAuthConfig as getAuthConfigRoute,
  login as loginRoute,
  logout as logoutRoute,
  refresh as refreshRoute,
  register as registerRoute,
} from "./auth.routes";

export const getAuthConfigHandler: RouteHandler<typeof getAuthConfigRoute, AppEnv> = async (c) => {
  const { config } = c.var;
  const enabled = config.TURNSTILE === "on";
  return c.json({ turnstile: { enabled, siteKey: enabled ? (config.TURNSTILE_SITE_KEY ?? null) : null } }, 200);
};

export const registerHandler: RouteHandler<typeof registerRoute, AppEnv> = async (c) => {
  const signedIn = await register(authDeps(c), { ...c.req.valid("json"), client: clientInfo(c) });
  return c.json(presentSignedIn(signedIn), 201);
};

export const loginHandler: RouteHandler<typeof loginRoute, AppEnv> = async (c) => {
  const signedIn = await login(authDeps(c), { ...c.req.valid("json"), client: clientInfo(c) });
  return c.json(presentSignedIn(signedIn), 200);
};

export const refreshHandler: RouteHandler<typeof refreshRoute, AppEnv> = async (c) => {
  const tokens = await refresh(authDeps(c), { ...c.req.valid("json"), client: clientInfo(c) });
  return c.json(presentTokens(tokens), 200);
};

export const logoutHandler: RouteHandler<typeof logoutRoute, AppEnv> = async (c) => {
  await logout(c.env.DB, c.var.auth);
  return c.body(null, 204);
};
