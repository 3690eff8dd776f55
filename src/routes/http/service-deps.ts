import type { Context } from "hono";
import type { AuthDeps } from "../../auth/auth-deps";
import type { ImageDeps } from "../../images/deps";
import type { ProcessingDeps } from "../../processing/sessions";
import type { AppEnv } from "./app-env";

// What the services need, taken from one request's bindings and configuration: one place for every handler.

/** SITEVERIFY exists only in the test environment (see wrangler.toml); elsewhere siteverify is the Internet. */
export function authDeps(c: Context<AppEnv>): AuthDeps {
  return { db: c.env.DB, config: c.var.config, siteverify: c.env.SITEVERIFY };
}

export function imageDeps(c: Context<AppEnv>): ImageDeps {
  return { db: c.env.DB, bucket: c.env.BUCKET, config: c.var.config };
}

export function processingDeps(c: Context<AppEnv>): ProcessingDeps {
  return { db: c.env.DB, sessions: c.env.PROCESSING_SESSIONS, config: c.var.config };
}
