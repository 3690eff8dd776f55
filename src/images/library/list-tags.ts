import { normaliseLabel } from "../labels";
import { countTags, type TagCount } from "../store/tag-rows";

/** The owner's tags with how many images carry each, most used first; `prefix` narrows them for autocomplete. */
export function listTags(
  db: D1Database,
  input: { userId: string; prefix?: string | undefined; limit: number },
): Promise<TagCount[]> {
  return countTags(db, input.userId, normaliseLabel(input.prefix ?? ""), input.limit);
}
