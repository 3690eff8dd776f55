import type { Config } from "../lib/config";
import type { SiteverifyNetwork } from "./turnstile";

/** What the auth services need from the outside: storage and configuration, plus who is asking from where. */
export interface AuthDeps {
  db: D1Database;
  config: Config;
  /** How to reach Turnstile's siteverify (default: the Internet). */
  siteverify?: SiteverifyNetwork | undefined;
}

export interface ClientInfo {
  /** As Cloudflare's edge reports it (`cf-connecting-ip`); the key of the per-IP limits. */
  ip: string;
  /** Labels the session a sign-in opens (GET /v1/me/sessions). */
  userAgent?: string | undefined;
}
