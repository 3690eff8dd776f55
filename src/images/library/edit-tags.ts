import { ApiError } from "../../lib/problem";
import type { ImageRecord } from "../store/image-rows";
import { reindexImageStatements } from "../store/search-index";
import { addUserTagsStatement, rejectTagsStatement } from "../store/tag-rows";
import { requireImage } from "./require-image";

/**
 * Adds user tags and removes tags (whoever added them). A removal is kept as a lasting rejection, so a retag never
 * brings the label back. Labels arrive normalised. Rows and search document change in one batch.
 */
export async function editTags(
  db: D1Database,
  input: { userId: string; id: string; add: string[]; remove: string[] },
): Promise<ImageRecord> {
  const add = unique(input.add);
  const remove = unique(input.remove);
  const both = add.filter((label) => remove.includes(label));
  if (both.length > 0) {
    throw new ApiError("validation_failed", `Cannot both add and remove: ${both.join(", ")}.`, {
      errors: both.map((label) => ({ path: "body.remove", message: `"${label}" is also in add` })),
    });
  }
  const image = await requireImage(db, input.userId, input.id);
  await db.batch([
    addUserTagsStatement(db, image.id, input.userId, add),
    rejectTagsStatement(db, image.id, input.userId, remove),
    ...reindexImageStatements(db, image.id),
  ]);
  return requireImage(db, input.userId, image.id);
}

function unique(labels: string[]): string[] {
  return [...new Set(labels.filter(Boolean))];
}
