import type { Context } from "hono";
import type { ClientInfo, SignedInCaller } from "../platform";
import type { Services } from "../services";

// Hono's typing of this app. What a middleware puts on the context exists in the type only where it runs: every
// route has `requestId`; the routers of the API (/v1, /api) have `services`; a route whose `middleware` includes
// requireAuth (middleware.ts) has `caller`, so a handler of a public route cannot read one.

/** Every request: the Worker's bindings and the request id (middleware.ts). */
export interface BaseEnv {
  Bindings: Env;
  Variables: { requestId: string };
}

/** The API's routers, mounted under `withServices` (app.ts). */
export interface AppEnv {
  Bindings: Env;
  Variables: { requestId: string; services: Services };
}

/** What requireAuth adds: the caller, from the verified access token and nowhere else. */
export interface CallerEnv {
  Variables: { caller: SignedInCaller };
}

/** The caller's IP as Cloudflare's edge reports it (clients cannot set `cf-connecting-ip` through Cloudflare). */
export function clientInfo(c: Context): ClientInfo {
  return { ip: c.req.header("cf-connecting-ip") ?? "unknown", userAgent: c.req.header("user-agent") };
}
