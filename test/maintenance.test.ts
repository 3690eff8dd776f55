import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { hit } from "../src/auth/store/rate-limits";
import { uploadImageRoute as uploadImage } from "../src/images/images.routes";
import { sweepOrphanObjects } from "../src/images/orphan-sweep";
import { objectsPrefix, originalKey } from "../src/images/store/image-objects";
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
  const early = await sweepOrphanObjects(env.DB, env.BUCKET, { graceMs: 60_000, prefix: objectsPrefix(user.id) });
  expect(early.deleted).toBe(0);
  expect(await env.BUCKET.head(orphanKey)).not.toBeNull();

  const later = await sweepOrphanObjects(env.DB, env.BUCKET, {
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
