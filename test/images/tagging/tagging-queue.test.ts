// Uploads the tagger could not tag at once are tagged through the durable queue (src/images/tagging-queue.ts): the
// Worker's own queue() entry point is driven here with batches made by cloudflare:test, so each step is observable.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uploadImageRoute } from "../../../src/images/images.routes";
import { backoffSeconds, type TaggingJob } from "../../../src/images/tagging-queue";
import worker from "../../../src/index";
import { createServices } from "../../../src/services";
import { signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import { postImage, taggerInputSha, uniqueImage } from "../../helpers/images";

/** Runs one batch of the tagging queue through the Worker's queue() handler; the ack/retry of each message. */
async function deliver(jobs: TaggingJob[]) {
  const batch = createMessageBatch<TaggingJob>(
    "imagifyai-tagging",
    jobs.map((body, i) => ({ id: `m${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue!(batch as MessageBatch<unknown>, env, ctx);
  return getQueueResult(batch, ctx);
}

async function tagRow(imageId: string) {
  return env.DB.prepare("SELECT tag_status, tag_queued_at FROM images WHERE id = ?1")
    .bind(imageId)
    .first<{ tag_status: string; tag_queued_at: number | null }>();
}

describe("the tagging queue", () => {
  it("an upload the tagger fails is pending and queued; once the tagger is back, the queue tags it", async () => {
    const { client, user } = await signedInClient();
    const bytes = uniqueImage("tiny.png");
    const key = await taggerInputSha(bytes);
    await env.AI_STUB.program(key, { error: "overloaded" });
    const image = await expectContract(uploadImageRoute, 201, await postImage(client, bytes, "busy.png"));
    expect(image.tagStatus).toBe("pending");
    expect((await tagRow(image.id))?.tag_queued_at).toEqual(expect.any(Number));

    // Still failing: the message is retried, with backoff; nothing is lost.
    const retried = await deliver([{ userId: user.id, imageId: image.id }]);
    expect(retried.retryMessages).toHaveLength(1);
    expect((await tagRow(image.id))?.tag_status).toBe("pending");

    await env.AI_STUB.program(key, { output: [{ label: "LIGHTHOUSE", score: 0.8 }] });
    const done = await deliver([{ userId: user.id, imageId: image.id }]);
    expect(done.explicitAcks).toHaveLength(1);
    const read = await client.GET("/v1/images/{id}", { params: { path: { id: image.id } } });
    expect(read.data).toMatchObject({ tagStatus: "tagged", tags: [{ label: "lighthouse", score: 0.8 }] });
    const found = await client.GET("/v1/images/search", { params: { query: { q: "lighthouse" } } });
    expect(found.data?.items.map((item) => item.id)).toEqual([image.id]);
  });

  it("retries back off exponentially, from 5 seconds to at most 5 minutes", () => {
    expect([1, 2, 3, 6, 7, 50].map(backoffSeconds)).toEqual([5, 10, 20, 160, 300, 300]);
  });

  it("a job for an image deleted meanwhile (or another user's) is acknowledged and writes nothing", async () => {
    const { client, user } = await signedInClient();
    const other = await signedInClient();
    const bytes = uniqueImage("tiny.gif");
    await env.AI_STUB.program(await taggerInputSha(bytes), { error: "down" });
    const image = await expectContract(uploadImageRoute, 201, await postImage(client, bytes, "gone.gif"));
    await env.AI_STUB.program(await taggerInputSha(bytes), { output: [{ label: "GHOST", score: 0.9 }] });

    const foreign = await deliver([{ userId: other.user.id, imageId: image.id }]);
    expect(foreign.explicitAcks).toHaveLength(1);
    expect((await tagRow(image.id))?.tag_status).toBe("pending");

    await client.DELETE("/v1/images/{id}", { params: { path: { id: image.id } } });
    const gone = await deliver([{ userId: user.id, imageId: image.id }]);
    expect(gone.explicitAcks).toHaveLength(1);
    const tags = await env.DB.prepare("SELECT count(*) AS n FROM image_tags WHERE image_id = ?1")
      .bind(image.id)
      .first();
    expect(tags).toEqual({ n: 0 });
  });

  it("the cron queues again what waits without a message (a lost message, a local restart)", async () => {
    const { client } = await signedInClient();
    const bytes = uniqueImage("tiny.jpg");
    await env.AI_STUB.program(await taggerInputSha(bytes), { error: "down" });
    const image = await expectContract(uploadImageRoute, 201, await postImage(client, bytes, "lost.jpg"));
    const queuedAt = (await tagRow(image.id))!.tag_queued_at!;

    const { images } = createServices(env);
    // Within the half hour its message may still be on its way: left alone.
    await images.requeuePendingTagging(queuedAt + 60_000);
    expect((await tagRow(image.id))?.tag_queued_at).toBe(queuedAt);
    // Later it is queued again, once.
    const later = queuedAt + 31 * 60_000;
    expect(await images.requeuePendingTagging(later)).toBeGreaterThanOrEqual(1);
    expect((await tagRow(image.id))?.tag_queued_at).toBe(later);
  });
});
