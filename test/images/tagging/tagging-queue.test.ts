// Uploads the tagger could not tag at once are tagged through the durable queue (src/images/tagging-queue.ts): the
// Worker's own queue() entry point is driven here with batches made by cloudflare:test, so each step is observable.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uploadImageRoute } from "../../../src/images/images.routes";
import { REQUEUE_AFTER_MS } from "../../../src/images/library/library-engine";
import { backoffSeconds } from "../../../src/images/tagging-queue";
import { signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import { postImage, taggerInputSha, uniqueImage } from "../../helpers/images";
import { libraryOf, librarySql } from "../../helpers/library";
import { deliverTaggingJobs } from "../../helpers/tagging-queue";

async function tagRow(userId: string, imageId: string) {
  const [row] = await librarySql<{ tag_status: string; tag_queued_at: number | null }>(
    userId,
    "SELECT tag_status, tag_queued_at FROM images WHERE id = ?",
    imageId,
  );
  return row;
}

describe("the tagging queue", () => {
  it("an upload the tagger fails is pending and queued; once the tagger is back, the queue tags it", async () => {
    const { client, user } = await signedInClient();
    const bytes = uniqueImage("tiny.png");
    const key = await taggerInputSha(bytes);
    await env.AI_STUB.program(key, { error: "overloaded" });
    const image = await expectContract(uploadImageRoute, 201, await postImage(client, bytes, "busy.png"));
    expect(image.tagStatus).toBe("pending");
    expect((await tagRow(user.id, image.id))?.tag_queued_at).toEqual(expect.any(Number));

    // Still failing: the message is retried, with backoff; nothing is lost.
    const retried = await deliverTaggingJobs([{ userId: user.id, imageId: image.id }]);
    expect(retried.retryMessages).toHaveLength(1);
    expect((await tagRow(user.id, image.id))?.tag_status).toBe("pending");

    await env.AI_STUB.program(key, { output: [{ label: "LIGHTHOUSE", score: 0.8 }] });
    const done = await deliverTaggingJobs([{ userId: user.id, imageId: image.id }]);
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

    const foreign = await deliverTaggingJobs([{ userId: other.user.id, imageId: image.id }]);
    expect(foreign.explicitAcks).toHaveLength(1);
    expect((await tagRow(user.id, image.id))?.tag_status).toBe("pending");

    await client.DELETE("/v1/images/{id}", { params: { path: { id: image.id } } });
    const gone = await deliverTaggingJobs([{ userId: user.id, imageId: image.id }]);
    expect(gone.explicitAcks).toHaveLength(1);
    const tags = await librarySql(user.id, "SELECT count(*) AS n FROM image_tags WHERE image_id = ?", image.id);
    expect(tags).toEqual([{ n: 0 }]);
  });

  it("the library queues again what waits without a message (a lost message, a local restart)", async () => {
    const { client, user } = await signedInClient();
    const bytes = uniqueImage("tiny.jpg");
    await env.AI_STUB.program(await taggerInputSha(bytes), { error: "down" });
    const image = await expectContract(uploadImageRoute, 201, await postImage(client, bytes, "lost.jpg"));
    const queuedAt = (await tagRow(user.id, image.id))!.tag_queued_at!;

    // The library's alarm is armed for when the message counts as lost.
    const alarm = await runInDurableObject(env.LIBRARY.getByName(user.id), (_o, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThanOrEqual(queuedAt);
    expect(alarm).toBeLessThanOrEqual(queuedAt + REQUEUE_AFTER_MS);
    const library = libraryOf(user.id);
    // Within the half hour its message may still be on its way: left alone.
    expect(await library.requeueTagging(queuedAt + 60_000)).toBe(0);
    expect((await tagRow(user.id, image.id))?.tag_queued_at).toBe(queuedAt);
    // Later it is queued again, once.
    const later = queuedAt + 31 * 60_000;
    expect(await library.requeueTagging(later)).toBe(1);
    expect((await tagRow(user.id, image.id))?.tag_queued_at).toBe(later);
  });
});
