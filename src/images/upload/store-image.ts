import { sha256Hex } from "../../lib/encoding";
import { newId } from "../../lib/ids";
import { ApiError } from "../../lib/problem";
import type { ImageDeps } from "../deps";
import { releaseImageFiles } from "../files/release-files";
import { byRank } from "../labels";
import { putOriginal } from "../store/image-objects";
import { findImageBySha, type ImageRecord, type ImageRow, insertImageStatement } from "../store/image-rows";
import { aiTagWriteStatements } from "../store/tag-writes";
import { tagWithConfig } from "../tagging/select-tagger";
import type { Tagger } from "../tagging/tagger";
import { safeFilename } from "./filename";
import { sniffImage } from "./sniff";
import { tooLarge } from "./upload-limits";

export interface StoredImage {
  image: ImageRecord;
  /** false: these bytes were already uploaded by this user, and `image` is that earlier upload. */
  created: boolean;
}

/**
 * Stores an upload: judged by its bytes (type, dimensions, pixel cap), de-duplicated per owner by SHA-256, tagged
 * (a tagger failure is recorded, never fatal), then the object and — in one batch — the row, its tags and its
 * search document. If the batch fails the object is removed again, unless a concurrent upload of the same bytes
 * won the race, in which case that image is the answer.
 */
export async function storeImage(
  deps: ImageDeps,
  input: { userId: string; file: File; tagger: Tagger },
): Promise<StoredImage> {
  const { db, bucket, config } = deps;
  const { userId, file } = input;
  if (file.size > config.MAX_UPLOAD_BYTES) throw tooLarge(config.MAX_UPLOAD_BYTES);
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
  const existing = await findImageBySha(db, userId, sha256);
  if (existing) return { image: existing, created: false };

  const tagging = await tagWithConfig(input.tagger, config, bytes);
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
    tag_status: tagging.status,
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
    const record = { ...row, seq, tags: tags.map((tag) => ({ ...tag, source: "ai" as const, model })).sort(byRank) };
    return { image: record, created: true };
  } catch (error) {
    // The same bytes uploaded concurrently: that request won, and its row owns the (identical) object.
    const winner = await findImageBySha(db, userId, sha256);
    if (winner) return { image: winner, created: false };
    await releaseImageFiles(deps, userId, sha256);
    throw error;
  }
}
