import { newId, sha256Hex } from "../lib/encoding";
import { ApiError } from "../lib/problem";
import type { Caller, Platform } from "../platform";
import { safeFilename } from "./filename";
import { byRank } from "./labels";
import { sniffImage } from "./sniff";
import { deleteImageObjects, putOriginal } from "./store/image-objects";
import {
  claimImageBySha,
  findImageBySha,
  hasImageWithSha,
  type ImageRecord,
  type ImageRow,
  insertImageStatement,
  markTagQueuedStatement,
} from "./store/image-rows";
import { aiTagWriteStatements } from "./store/tag-rows";
import { tagWithConfig } from "./taggers";

export interface StoredImage {
  image: ImageRecord;
  /** false: these bytes were already uploaded by this user, and `image` is that earlier upload. */
  created: boolean;
}

/**
 * Stores an upload: judged by its bytes (type, dimensions, pixel cap), de-duplicated per owner by SHA-256, tagged
 * (when the tagger does not answer in time the image is stored `pending` and queued, never refused), then the object and — in one batch — the row, its tags and its
 * search document. If the batch fails the object is removed again, unless a concurrent upload of the same bytes
 * won the race, in which case that image is the answer.
 */
export async function storeUpload(platform: Platform, caller: Caller, file: File): Promise<StoredImage> {
  const { db, bucket, config } = platform;
  const { userId } = caller;
  if (file.size > config.MAX_UPLOAD_BYTES) throw uploadTooLarge(config.MAX_UPLOAD_BYTES);
  const bytes = new Uint8Array(await file.arrayBuffer());

  const sniffed = sniffImage(bytes);
  if (!sniffed.ok) {
    throw new ApiError(
      sniffed.reason === "unsupported_type" ? "unsupported_media_type" : "unprocessable",
      sniffed.detail,
    );
  }
  const { image } = sniffed;
  if (image.width * image.height > config.MAX_IMAGE_PIXELS) {
    throw new ApiError(
      "unprocessable",
      `${image.width}×${image.height} exceeds the limit of ${config.MAX_IMAGE_PIXELS} pixels.`,
    );
  }

  const sha256 = await sha256Hex(bytes);
  // Claimed, not just found: a delete of it racing this upload then removes nothing (see claimImageBySha).
  const existing = await claimImageBySha(db, userId, sha256);
  if (existing) return { image: existing, created: false };

  const tagging = await tagWithConfig(platform, bytes);
  const r2Key = await putOriginal(bucket, userId, sha256, bytes, image.contentType);
  const row: Omit<ImageRow, "seq"> = {
    id: newId("img"),
    user_id: userId,
    r2_key: r2Key,
    filename: safeFilename(file.name, image.extension),
    content_type: image.contentType,
    bytes: bytes.length,
    width: image.width,
    height: image.height,
    sha256,
    // Not tagged at once: pending, and the tagging queue takes it from here (see tagging-queue.ts).
    tag_status: tagging.status === "tagged" ? "tagged" : "pending",
    tag_error: tagging.status === "failed" ? tagging.error : null,
    created_at: Date.now(),
  };
  const tags = tagging.status === "tagged" ? tagging.tags : [];
  const model = tagging.status === "tagged" ? tagging.model : null;

  try {
    const [inserted] = await db.batch<{ seq: number }>([
      insertImageStatement(db, row),
      ...(model ? aiTagWriteStatements(db, row.id, userId, tags, model) : []),
    ]);
    const seq = inserted!.results[0]!.seq;
    if (row.tag_status === "pending") await queueTagging(platform, caller, row.id);
    const record = { ...row, seq, tags: tags.map((tag) => ({ ...tag, source: "ai" as const, model })).sort(byRank) };
    return { image: record, created: true };
  } catch (error) {
    // The same bytes uploaded concurrently: that request won, and its row owns the (identical) object.
    const winner = await findImageBySha(db, userId, sha256);
    if (winner) return { image: winner, created: false };
    await releaseImageFiles(platform, userId, sha256);
    throw error;
  }
}

/**
 * Hands an image's tagging to the queue. If the queue cannot take it now, the image stays pending and the cron's
 * re-queue finds it: the upload has succeeded either way.
 */
export async function queueTagging(platform: Pick<Platform, "db" | "taggingQueue">, caller: Caller, imageId: string) {
  try {
    await platform.taggingQueue.send({ userId: caller.userId, imageId });
    await markTagQueuedStatement(platform.db, caller.userId, imageId, Date.now()).run();
  } catch (error) {
    console.error("tagging queue unavailable", {
      imageId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

export function uploadTooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `Images may be at most ${maxBytes} bytes.`);
}

/**
 * Deletes the files stored for (owner, content) unless an image row still uses them: after a failed upload (a
 * concurrent upload of the same bytes may own them) and after deleting a row. If this fails half-way, the
 * scheduled orphan sweep finishes the job.
 */
export async function releaseImageFiles(
  platform: Pick<Platform, "db" | "bucket">,
  userId: string,
  sha256: string,
): Promise<void> {
  if (!(await hasImageWithSha(platform.db, userId, sha256))) await deleteImageObjects(platform.bucket, userId, sha256);
}
