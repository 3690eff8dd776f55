import type { Context } from "hono";
import type { ClientInfo } from "../../auth/auth-deps";

/** The caller's IP as Cloudflare's edge reports it (clients cannot set this header through Cloudflare), and its UA. */
export function clientInfo(c: Context): ClientInfo {
  return { ip: c.req.header("cf-connecting-ip") ?? "unknown", userAgent: c.req.header("user-agent") };
}
