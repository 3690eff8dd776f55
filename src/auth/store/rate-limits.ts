import { ApiError } from "../../lib/problem";

export interface RateLimitRule {
  key: string;
  limit: number;
  windowSeconds: number;
}

/**
 * Fixed-window counters in D1, so the limits hold in local dev and tests exactly as in production.
 * `hit` counts one attempt and throws 429 (with Retry-After) once the window's count exceeds the limit.
 */
export async function hit(db: D1Database, rule: RateLimitRule, now = Date.now()): Promise<void> {
  const { windowStart, windowEnd } = windowOf(rule, now);
  const row = await db
    .prepare(
      `INSERT INTO rate_limits (key, window_start, count) VALUES (?1, ?2, 1)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN window_start = excluded.window_start THEN count + 1 ELSE 1 END,
         window_start = excluded.window_start
       RETURNING count`,
    )
    .bind(rule.key, windowStart)
    .first<{ count: number }>();
  if ((row?.count ?? 0) > rule.limit) throw tooManyAttempts(windowEnd - now);
}

/**
 * Gives back an attempt counted by `hit` in the same window (a login whose password turned out right is not a
 * failure). Counting first and refunding after is what makes a limit hold under parallel attempts: each attempt
 * is counted in the same statement that judges it, so N parallel guesses cannot all see a count below the limit.
 */
export async function refund(db: D1Database, rule: RateLimitRule, now = Date.now()): Promise<void> {
  const { windowStart } = windowOf(rule, now);
  await db
    .prepare("UPDATE rate_limits SET count = count - 1 WHERE key = ?1 AND window_start = ?2 AND count > 0")
    .bind(rule.key, windowStart)
    .run();
}

/** For deleting an account: the counters whose key names it (`…:<account hash>…`). */
export function deleteRateLimitsNamingStatement(db: D1Database, accountHash: string) {
  return db.prepare("DELETE FROM rate_limits WHERE instr(key, ?1) > 0").bind(`:${accountHash}`);
}

/** Owner of the `rate_limits` table; the maintenance job drops windows that ended. */
export async function deleteExpiredRateLimits(db: D1Database, olderThanMs: number): Promise<void> {
  await db.prepare("DELETE FROM rate_limits WHERE window_start < ?1").bind(olderThanMs).run();
}

/** The fixed window `now` falls in (unix ms). */
function windowOf(rule: RateLimitRule, now: number): { windowStart: number; windowEnd: number } {
  const windowMs = rule.windowSeconds * 1000;
  const windowStart = Math.floor(now / windowMs) * windowMs;
  return { windowStart, windowEnd: windowStart + windowMs };
}

function tooManyAttempts(retryAfterMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError("rate_limited", `Too many attempts. Try again in ${seconds} seconds.`, {
    headers: { "Retry-After": String(seconds) },
  });
}
