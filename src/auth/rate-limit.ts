import { ApiError } from "../lib/problem";

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

/** Throws 429 when the window's count has already reached the limit, without counting this request. */
export async function check(db: D1Database, rule: RateLimitRule, now = Date.now()): Promise<void> {
  const { windowStart, windowEnd } = windowOf(rule, now);
  const row = await db
    .prepare("SELECT count FROM rate_limits WHERE key = ?1 AND window_start = ?2")
    .bind(rule.key, windowStart)
    .first<{ count: number }>();
  if ((row?.count ?? 0) >= rule.limit) throw tooManyAttempts(windowEnd - now);
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
