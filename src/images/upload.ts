import { newId, sha256Hex } from "../lib/encoding";
import { ApiError } from "../lib/problem";
import type { Caller, Platform } from "../platform";
import { safeFilename } from "./filename";
import { type LibraryClient, openLibrary } from "./library/library-client";
import type { TagResult, UploadedImage } from "./library/library-engine";
import { readPhotoFacts } from "./photo-facts";
import { sniffImage } from "./sniff";
import { putOriginal } from "./store/image-objects";
import { prepareTaggingInput, tagWithConfig } from "./taggers";

/** Writing the original again because a delete of the same bytes removed it meanwhile: rare, and bounded. */
const MAX_WRITES = 3;

/**
 * Stores an upload: judged by its bytes (type, dimensions, pixel cap), de-duplicated per owner by SHA-256, tagged
 * (when the tagger does not answer in time the image is stored `pending` and queued, never refused), then the
 * original in R2 and — in one transaction of the owner's library — the row, its tags and its search document. If
 * that fails the original is removed again, unless an image of the same bytes holds it.
 */
export async function storeUpload(platform: Platform, caller: Caller, file: File): Promise<UploadedImage> {
  const { bucket, config } = platform;
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
  const library = openLibrary(platform, caller);
  const begun = await library.beginUpload(sha256);
  if ("existing" in begun) return begun.existing;

  const input = prepareTaggingInput(platform.images, bytes);
  const [tagging, facts] = await Promise.all([
    tagWithConfig(platform, bytes, input),
    readPhotoFacts(platform.images, bytes, input),
  ]);
  const result: TagResult =
    tagging.status === "tagged"
      ? { status: "tagged", tags: tagging.tags, model: tagging.model }
      : // Not tagged at once: pending, and the tagging queue takes it from here (see tagging-queue.ts).
        { status: "pending", error: tagging.status === "failed" ? tagging.error : null };
  const row = {
    id: newId("img"),
    r2_key: "",
    filename: safeFilename(file.name, image.extension),
    content_type: image.contentType,
    bytes: bytes.length,
    width: image.width,
    height: image.height,
    sha256,
    created_at: Date.now(),
    ...facts,
  };

  let stored: UploadedImage;
  try {
    let ticket = begun.ticket;
    for (let write = 1; ; write++) {
      row.r2_key = await putOriginal(bucket, caller.userId, sha256, bytes, image.contentType);
      const added = await library.insert(row, result, ticket);
      if ("image" in added) {
        stored = added;
        break;
      }
      if (write === MAX_WRITES) throw new Error("the same bytes kept being deleted while this upload ran");
      ticket = added.retry;
    }
  } catch (error) {
    await library.discardUpload(sha256);
    throw error;
  }
  if (stored.created && stored.image.tag_status === "pending") await queueTagging(platform, library, caller, row.id);
  return stored;
}

/**
 * Hands an image's tagging to the queue. If the queue cannot take it now, the image stays pending and the library's
 * alarm queues it again later: the upload (or edit) has succeeded either way.
 */
export async function queueTagging(
  platform: Pick<Platform, "taggingQueue">,
  library: LibraryClient,
  caller: Caller,
  imageId: string,
) {
  try {
    await platform.taggingQueue.send({ userId: caller.userId, imageId });
    await library.markTagQueued(imageId, Date.now());
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
