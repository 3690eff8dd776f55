// Tagging that survives load and outages. An upload is tagged at once when the tagger answers in time; when it does
// not (a timeout, an outage, a full local tagger), the image is stored `pending` and a message goes to the tagging
// queue (Cloudflare Queues: durable, retried; miniflare runs it locally). The consumer tags it, and retries with
// exponential backoff until the tagger is back; the cron re-queues whatever waits without a message (a local queue
// loses its messages with a restart of `wrangler dev`, and a message can run out of retries). A delete wins: a job
// whose image is gone is acknowledged and writes nothing.
/** One message: which image to tag. The owner travels with it; every read and write is filtered by it. */
export interface TaggingJob {
  userId: string;
  imageId: string;
}

/** What one attempt came to: tagged (or nothing left to do), or to be tried again later. */
export type TaggingAttempt = "done" | "retry";

/** Seconds before attempt `n` (1-based) is tried again: 5, 10, 20, … at most 5 minutes. */
export function backoffSeconds(attempt: number): number {
  return Math.min(300, 5 * 2 ** Math.max(0, attempt - 1));
}

/** Handles a batch of the tagging queue: each message on its own, acknowledged or retried with backoff. */
export async function consumeTaggingBatch(
  tagPending: (job: TaggingJob) => Promise<TaggingAttempt>,
  batch: MessageBatch<TaggingJob>,
): Promise<void> {
  for (const message of batch.messages) {
    const { imageId } = message.body;
    try {
      if ((await tagPending(message.body)) === "done") message.ack();
      else message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    } catch (error) {
      console.error("tagging job failed", { imageId, error: error instanceof Error ? error.message : String(error) });
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}
