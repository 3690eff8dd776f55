import type { Config } from "../lib/config";

/** What the auth services need from the outside: storage and configuration, plus who is asking from where. */
export interface AuthDeps {
  db: D1Database;
  config: Config;
}

export interface ClientInfo {
  /** As Cloudflare's edge reports it (`cf-connecting-ip`); the key of the per-IP limits. */
  ip: string;
}
