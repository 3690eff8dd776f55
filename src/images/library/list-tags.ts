import { normaliseLabel } from "../labels";
import { type BroaderTermCount, countBroaderTerms } from "../store/label-terms";
import { countTags, type TagCount } from "../store/tag-rows";

export interface TagList {
  /** The owner's tags starting with the prefix, most used first. */
  items: TagCount[];
  /** With a prefix: broader words of the owner's labels starting with it (`dog` for `golden retriever`). */
  broaderTerms: BroaderTermCount[];
}

/**
 * The owner's tags with how many images carry each, most used first; `prefix` narrows them for autocomplete and
 * adds the broader words that a search would also find images for (none without a prefix).
 */
export async function listTags(
  db: D1Database,
  input: { userId: string; prefix?: string | undefined; limit: number },
): Promise<TagList> {
  const prefix = normaliseLabel(input.prefix ?? "");
  const [items, broaderTerms] = await Promise.all([
    countTags(db, input.userId, prefix, input.limit),
    prefix === "" ? [] : countBroaderTerms(db, input.userId, prefix, input.limit),
  ]);
  return { items, broaderTerms };
}
