import type { Config } from "../lib/config";
import { sha256Hex } from "../lib/encoding";
import type { RateLimitRule } from "./rate-limit";

/**
 * The three limits on password attempts:
 * - per IP, every attempt (register, login, refresh) — one client cannot hammer the endpoint;
 * - per account and IP, failed logins — the tight bound on guessing one account;
 * - per account from all IPs, failed logins — a looser bound on distributed guessing.
 * One attacker's failures count against their own IP first, so they cannot lock other clients out of an account.
 */
export function ipRule(config: Config, clientIp: string): RateLimitRule {
  return {
    key: `auth:ip:${clientIp}`,
    limit: config.LOGIN_ATTEMPTS_PER_IP,
    windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
  };
}

export async function accountRules(config: Config, clientIp: string, email: string): Promise<RateLimitRule[]> {
  const account = await sha256Hex(email);
  const windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
  return [
    { key: `login-fail:acct-ip:${account}:${clientIp}`, limit: config.LOGIN_FAILURES_PER_ACCOUNT_IP, windowSeconds },
    { key: `login-fail:acct:${account}`, limit: config.LOGIN_FAILURES_PER_ACCOUNT, windowSeconds },
  ];
}
