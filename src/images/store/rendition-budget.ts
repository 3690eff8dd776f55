// Owner of the `rendition_budget` table (migrations/0010): per user, how many new renditions were made in the current
// fixed window. Claimed in one statement, so a hundred requests at once cannot all see room under the limit.

/** Counts one rendition in `userId`'s current window; the count including it, and when the window ends. */
export async function claimRendition(
  db: D1Database,
  userId: string,
  windowMs: number,
  now = Date.now(),
): Promise<{ made: number; windowEnd: number }> {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const row = await db
    .prepare(
      `INSERT INTO rendition_budget (user_id, window_start, made) VALUES (?1, ?2, 1)
       ON CONFLICT (user_id) DO UPDATE SET
         made = CASE WHEN window_start = excluded.window_start THEN made + 1 ELSE 1 END,
         window_start = excluded.window_start
       RETURNING made`,
    )
    .bind(userId, windowStart)
    .first<{ made: number }>();
  return { made: row?.made ?? 1, windowEnd: windowStart + windowMs };
}

/** For deleting an account. */
export function deleteUserRenditionBudgetStatement(db: D1Database, userId: string) {
  return db.prepare("DELETE FROM rendition_budget WHERE user_id = ?1").bind(userId);
}
