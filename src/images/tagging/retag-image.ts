import type { ImageDeps } from "../deps";
import { imageNotFound, requireImage } from "../library/require-image";
import { type ImageRecord, setTagStatusStatement } from "../store/image-rows";
import { deleteAiTagsStatement } from "../store/tag-rows";
import { aiTagWriteStatements } from "../store/tag-writes";
import { tagWithConfig } from "./select-tagger";
import type { Tagger } from "./tagger";

/**
 * Runs the tagger again over the stored original. Success replaces the AI tags (user tags and rejections stay);
 * failure keeps the previous tags and records why in `tag_error`.
 */
export async function retagImage(
  deps: ImageDeps,
  input: { userId: string; id: string; tagger: Tagger },
): Promise<ImageRecord> {
  const { db, bucket, config } = deps;
  const { userId } = input;
  const image = await requireImage(db, userId, input.id);
  const object = await bucket.get(image.r2_key);
  if (!object) throw imageNotFound();
  const tagging = await tagWithConfig(input.tagger, config, new Uint8Array(await object.arrayBuffer()));

  const setStatus = setTagStatusStatement(
    db,
    userId,
    image.id,
    tagging.status,
    tagging.status === "failed" ? tagging.error : null,
  );
  if (tagging.status === "failed") {
    await setStatus.run();
  } else {
    await db.batch([
      deleteAiTagsStatement(db, image.id, userId),
      setStatus,
      ...aiTagWriteStatements(db, image.id, userId, tagging.tags, tagging.model),
    ]);
  }
  // Read back rather than patch `image`: an image deleted while it was being tagged is a 404, not a ghost.
  return requireImage(db, userId, image.id);
}
