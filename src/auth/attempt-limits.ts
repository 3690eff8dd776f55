import type { Config } from "../lib/config";
import { sha256Hex } from "../lib/encoding";
import type { KnownDevice } from "./device-token";
import type { RateLimitRule } from "./store/rate-limits";

/**
 * The limits on password attempts, each counted per window:
 * - per IP, every attempt (register, login, refresh): one client cannot hammer the endpoints;
 * - per account and IP, failed logins: the tight bound on guessing one account from one address;
 * - per account and known device, failed logins: the same bound for a device that signed in before;
 * - per account from everywhere, failed logins: the bound on guessing spread over many addresses. It never blocks
 *   a login that proves more than an address: a device that signed in before (known-device token), or a human
 *   verified by Turnstile. So failures from a thousand addresses cannot keep the owner out; with Turnstile off,
 *   only an unknown device is held back.
 */
export function ipRule(config: Config, clientIp: string): RateLimitRule {
  return {
    key: `auth:ip:${clientIp}`,
    limit: config.LOGIN_ATTEMPTS_PER_IP,
    windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
  };
}

export async function accountRules(
  config: Config,
  attempt: { clientIp: string; email: string; device: KnownDevice | null; verifiedHuman: boolean },
): Promise<RateLimitRule[]> {
  const account = await sha256Hex(attempt.email);
  const windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
  const tight = config.LOGIN_FAILURES_PER_ACCOUNT_IP;
  if (attempt.device) {
    return [{ key: `login-fail:acct-device:${account}:${attempt.device.deviceId}`, limit: tight, windowSeconds }];
  }
  const rules = [{ key: `login-fail:acct-ip:${account}:${attempt.clientIp}`, limit: tight, windowSeconds }];
  if (!attempt.verifiedHuman) {
    rules.push({ key: `login-fail:acct:${account}`, limit: config.LOGIN_FAILURES_PER_ACCOUNT, windowSeconds });
  }
  return rules;
}

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
