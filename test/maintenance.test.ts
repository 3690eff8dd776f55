import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { hit } from "../src/auth/store/rate-limits";
import { uploadImageRoute as uploadImage } from "../src/images/images.routes";
import { sweepOrphanObjects } from "../src/images/orphan-sweep";
import { objectsPrefix, originalKey } from "../src/images/store/image-objects";
import worker from "../src/index";
import { runMaintenance } from "../src/maintenance";
import { createServices } from "../src/services";
import { fixtureBytes } from "./fixtures";
import { signedInClient } from "./helpers/client";
import { expectContract } from "./helpers/contract";

it("sweeps R2 objects that have no images row, and keeps the rest", async () => {
  const { client, user } = await signedInClient();
  const bytes = fixtureBytes("wide.png");
  const form = new FormData();
  form.append("file", new File([bytes, crypto.getRandomValues(new Uint8Array(8))], "kept.png"));
  const kept = await expectContract(uploadImage, 201, await client.POST("/v1/images", { body: form as never }));
  const keptKey = originalKey(user.id, kept.sha256);
  const orphanKey = originalKey(user.id, "0".repeat(64));
  await env.BUCKET.put(orphanKey, bytes);

  // Within the grace period nothing is touched: the orphan could be an upload whose row is being written.
  const early = await sweepOrphanObjects(createServices(env).platform, {
    graceMs: 60_000,
    prefix: objectsPrefix(user.id),
  });
  expect(early.deleted).toBe(0);
  expect(await env.BUCKET.head(orphanKey)).not.toBeNull();

  const later = await sweepOrphanObjects(createServices(env).platform, {
    graceMs: 60_000,
    now: Date.now() + 120_000,
    prefix: objectsPrefix(user.id),
  });
  expect(later).toEqual({ scanned: 2, deleted: 1 });
  expect(await env.BUCKET.head(orphanKey)).toBeNull();
  expect(await env.BUCKET.head(keptKey)).not.toBeNull();
});

it("the cron's maintenance run expires stale rate-limit windows and merges the search index", async () => {
  const key = `test:${crypto.randomUUID()}`;
  await hit(env.DB, { key, limit: 10, windowSeconds: 900 }, 0); // a window that ended in 1970
  await runMaintenance(createServices(env));
  expect(await env.DB.prepare("SELECT 1 FROM rate_limits WHERE key = ?1").bind(key).first()).toBeNull();
});

it("a scheduled event through the Worker's own entry point sweeps an orphan once it is older than the grace period", async () => {
  const { client, user } = await signedInClient();
  const form = new FormData();
  form.append("file", new File([fixtureBytes("wide.png"), crypto.getRandomValues(new Uint8Array(8))], "kept.png"));
  const kept = await expectContract(uploadImage, 201, await client.POST("/v1/images", { body: form as never }));
  const keptKey = originalKey(user.id, kept.sha256);
  const orphanKey = originalKey(user.id, "f".repeat(64));
  await env.BUCKET.put(orphanKey, fixtureBytes("wide.png"));
  // The deployed Worker's bindings, with a one-second grace period and the bucket narrowed to this user's objects:
  // the sweep sees only what this test planted, not the objects of the file's other tests.
  const scheduledEnv = {
    ...env,
    ORPHAN_GRACE_SECONDS: "1",
    BUCKET: onlyUnder(env.BUCKET, objectsPrefix(user.id)),
  };

  await dispatchScheduled(scheduledEnv);
  expect(await env.BUCKET.head(orphanKey), "within the grace period").not.toBeNull();

  await new Promise((resolve) => setTimeout(resolve, 1100));
  await dispatchScheduled(scheduledEnv);
  expect(await env.BUCKET.head(orphanKey), "past the grace period").toBeNull();
  expect(await env.BUCKET.head(keptKey)).not.toBeNull();
});

/** What the runtime does at a cron trigger: `scheduled()` of the Worker's default export, then its waitUntil work. */
async function dispatchScheduled(bindings: Env): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "17 * * * *", scheduledTime: new Date() }), bindings, ctx);
  await waitOnExecutionContext(ctx);
}

/** The bucket as seen by a listing that may only reach keys under `prefix`. */
function onlyUnder(bucket: R2Bucket, prefix: string): R2Bucket {
  return new Proxy(bucket, {
    get(target, property) {
      if (property === "list") {
        return (options: R2ListOptions = {}) => target.list({ ...options, prefix });
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
