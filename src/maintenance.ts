import { deleteExpiredRateLimits } from "./auth/rate-limit";
import { sweepOrphanObjects } from "./images/orphan-sweep";
import { getConfig } from "./lib/config";

/** The cron job (wrangler.toml [triggers]): R2 orphans, stale rate-limit windows and refresh tokens, search index merges. */
export async function runMaintenance(env: Env, now = Date.now()): Promise<void> {
  const config = getConfig(env);
  const sweep = await sweepOrphanObjects(env.DB, env.BUCKET, { graceMs: config.ORPHAN_GRACE_SECONDS * 1000, now });
  await deleteExpiredRateLimits(env.DB, now - config.RATE_LIMIT_WINDOW_SECONDS * 1000);
  await env.DB.prepare("DELETE FROM refresh_tokens WHERE expires_at < ?1").bind(now).run();
  // Uploads add one small FTS5 segment each; merging a bounded amount per run keeps search reads few and short.
  await env.DB.prepare("INSERT INTO image_search (image_search, rank) VALUES ('merge', 500)").run();
  console.log("maintenance", sweep);
}
