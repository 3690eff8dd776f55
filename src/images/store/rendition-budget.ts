// Owner of a library's `rendition_budget`: how many new renditions were made in the current fixed window. The
// library is one object, so the claim is atomic: a hundred requests at once cannot all see room under the limit.
import type { LibraryDb } from "./library-schema";

/** Counts one rendition in the current window; the count including it, and when the window ends. */
export function claimRendition(db: LibraryDb, windowMs: number, now: number): { made: number; windowEnd: number } {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const { made } = db.sql
    .exec<{ made: number }>(
      `INSERT INTO rendition_budget (one, window_start, made) VALUES (1, ?1, 1)
       ON CONFLICT (one) DO UPDATE SET
         made = CASE WHEN window_start = excluded.window_start THEN made + 1 ELSE 1 END,
         window_start = excluded.window_start
       RETURNING made`,
      windowStart,
    )
    .one();
  return { made, windowEnd: windowStart + windowMs };
}
