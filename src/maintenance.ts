import { deleteExpiredRateLimits } from "./auth/rate-limit";
import { deleteExpiredRefreshTokens } from "./auth/sessions";
import { sweepOrphanObjects } from "./images/files/orphan-sweep";
import { mergeSearchIndex } from "./images/store/search-index";
import { getConfig } from "./lib/config";

/** The cron job (wrangler.toml [triggers]): each step is done by the module that owns the data. */
export async function runMaintenance(env: Env, now = Date.now()): Promise<void> {
  const config = getConfig(env);
  const sweep = await sweepOrphanObjects(env.DB, env.BUCKET, { graceMs: config.ORPHAN_GRACE_SECONDS * 1000, now });
  await deleteExpiredRateLimits(env.DB, now - config.RATE_LIMIT_WINDOW_SECONDS * 1000);
  await deleteExpiredRefreshTokens(env.DB, now);
  await mergeSearchIndex(env.DB);
  console.log("maintenance", sweep);
}
