import type { Context } from "hono";
import { ConfigError, getConfig } from "../../lib/config";
import type { AppEnv } from "./app-env";

/**
 * The origin clients reach this API at: PUBLIC_API_ORIGIN when configured (behind a proxy, or a custom domain),
 * else the request's own. Absolute URLs built on it work from a frontend on any origin.
 */
export function publicOrigin(c: Context<AppEnv>): string {
  try {
    const configured = (c.get("config") ?? getConfig(c.env)).PUBLIC_API_ORIGIN;
    if (configured) return configured;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  return new URL(c.req.url).origin;
}
