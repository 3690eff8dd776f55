import type { Services } from "./services";

/** The cron job (wrangler.toml [triggers]): each capability tidies the data it owns. */
export async function runMaintenance(services: Services, now = Date.now()): Promise<void> {
  const images = await services.images.maintain(now);
  await services.auth.deleteExpired(now);
  // { scanned, deleted, moved, d1Tables }: scripts/check-scheduled.ts and check-crash-recovery.ts read this line.
  console.log("maintenance", images);
}
