import { deleteImageObjects } from "../store/image-objects";
import { hasImageWithSha } from "../store/image-rows";

/**
 * Deletes the files stored for (owner, content) unless an image row still uses them: after a failed upload (a
 * concurrent upload of the same bytes may own them) and after deleting a row. If this fails half-way, the
 * scheduled orphan sweep finishes the job.
 */
export async function releaseImageFiles(
  deps: { db: D1Database; bucket: R2Bucket },
  userId: string,
  sha256: string,
): Promise<void> {
  if (!(await hasImageWithSha(deps.db, userId, sha256))) await deleteImageObjects(deps.bucket, userId, sha256);
}
