import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { TaggingJob } from "../../src/images/tagging-queue";
import worker from "../../src/index";

/** Runs one batch of the tagging queue through the Worker's queue() handler; the ack/retry of each message. */
export async function deliverTaggingJobs(jobs: TaggingJob[]) {
  const batch = createMessageBatch<TaggingJob>(
    "imagifyai-tagging",
    jobs.map((body, i) => ({ id: `m${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue!(batch as MessageBatch<unknown>, env, ctx);
  return getQueueResult(batch, ctx);
}
