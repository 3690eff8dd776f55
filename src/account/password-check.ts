import type { RateLimitRule } from "../auth/rate-limit";
import type { Config } from "../lib/config";

/**
 * Re-entering the password (to change it, or to delete the account) is a guess like a login: a stolen access
 * token must not turn into an unlimited password oracle. Failures are counted per user.
 */
export function passwordCheckRule(config: Config, userId: string): RateLimitRule {
  return {
    key: `password-check-fail:${userId}`,
    limit: config.LOGIN_FAILURES_PER_ACCOUNT_IP,
    windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
  };
}
