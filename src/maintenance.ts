import type { Services } from "./services";

/** The cron job (wrangler.toml [triggers]): each capability tidies the data it owns. */
export async function runMaintenance(services: Services, now = Date.now()): Promise<void> {
  const sweep = await services.images.maintain(now);
  await services.auth.deleteExpired(now);
  console.log("maintenance", sweep);
}
