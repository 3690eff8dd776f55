import type { ImageDeps } from "../deps";
import { releaseImageFiles } from "../files/release-files";
import { deleteImageStatement } from "../store/image-rows";
import { unindexImageStatements } from "../store/search-index";
import { deleteImageTagsStatement } from "../store/tag-rows";
import { requireImage } from "./require-image";

/** Deletes an image: search document, tags and row in one batch, then its files (original and derived). */
export async function removeImage(deps: Pick<ImageDeps, "db" | "bucket">, input: { userId: string; id: string }) {
  const { db } = deps;
  const image = await requireImage(db, input.userId, input.id);
  await db.batch([
    ...unindexImageStatements(db, image.id),
    deleteImageTagsStatement(db, image.id, input.userId),
    deleteImageStatement(db, input.userId, image.id),
  ]);
  // After the rows: if this fails the files are orphans, and the scheduled sweep removes them.
  await releaseImageFiles(deps, input.userId, image.sha256);
}
