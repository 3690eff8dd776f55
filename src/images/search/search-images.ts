import { invalidField } from "../../lib/problem";
import type { ImageRecord } from "../store/image-rows";
import { rankedSearch, type SearchMatch } from "./ranked-search";

export interface SearchResults {
  items: { image: ImageRecord; score: number }[];
  nextCursor: string | null;
  /** D1's own time for the page's statements, for `Server-Timing`. */
  dbMs: number;
}

/** The owner's images whose tags match `q`, best first; see ranked-search.ts for matching and ranking. */
export async function searchImages(
  db: D1Database,
  input: { userId: string; q: string; match: SearchMatch; limit: number; cursor?: string | undefined },
): Promise<SearchResults> {
  const result = await rankedSearch(db, { ...input, cursor: input.cursor ?? null });
  if ("error" in result)
    throw invalidField(result.error === "invalid_cursor" ? "query.cursor" : "query.q", result.detail);
  return {
    items: result.hits.map((hit) => ({ image: hit.image, score: hit.score })),
    nextCursor: result.nextCursor,
    dbMs: result.dbMs,
  };
}
