import type { Context } from "hono";
import { ConfigError, getConfig } from "../lib/config";

/**
 * The origin clients reach this API at: PUBLIC_API_ORIGIN when configured (behind a proxy, or a custom domain),
 * else the request's own. Absolute URLs built on it work from a frontend on any origin. Problem responses use it
 * too, so a broken configuration falls back to the request's origin instead of failing the error response.
 */
export function publicOrigin(c: Context): string {
  try {
    const configured = getConfig(c.env).PUBLIC_API_ORIGIN;
    if (configured) return configured;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  return new URL(c.req.url).origin;
}
