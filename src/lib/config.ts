import { z } from "zod";
import { utf8 } from "./encoding";

const secret = z
  .string({ error: "is not set" })
  .refine((value) => utf8.encode(value).length >= 32, "must be at least 32 bytes");

const positiveInt = z.coerce.number().int().positive();

/** An optional setting; an empty string (how an unset variable often arrives) counts as unset. */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const ConfigSchema = z.object({
  JWT_SECRET: secret,
  PASSWORD_PEPPER: secret,
  URL_SIGNING_SECRET: secret,
  JWT_ISSUER: z.string().min(1).default("https://api.imagify.ai"),
  JWT_AUDIENCE: z.string().min(1).default("imagifyai-api"),
  /**
   * The origin clients reach the API at, for the absolute URLs in responses (image `url`s, problem `type`s).
   * Unset: each request's own origin.
   */
  PUBLIC_API_ORIGIN: unsetIfEmpty(z.url({ protocol: /^https?$/ }).transform((url) => new URL(url).origin)),
  /** Comma-separated browser origins allowed by CORS (the web frontend). */
  CORS_ORIGINS: z
    .string()
    .default("http://localhost:5173")
    .transform((list) =>
      list
        .split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  TAGGER: z.enum(["workers-ai", "local"]).default("workers-ai"),
  LOCAL_TAGGER_URL: z.url().default("http://127.0.0.1:8788"),
  TAG_MIN_SCORE: z.coerce.number().min(0).max(1).default(0.05),
  MAX_UPLOAD_BYTES: positiveInt.default(10 * 1024 * 1024),
  MAX_IMAGE_PIXELS: positiveInt.default(50_000_000),
  /** A tagger slower than this fails the tagging (never the upload). */
  TAGGER_TIMEOUT_MS: positiveInt.default(10_000),
  /** Largest rendition a client may ask for, in pixels (width × height of the output). */
  MAX_RENDITION_PIXELS: positiveInt.default(16_777_216),
  /** Images one processing session may convert. */
  MAX_SESSION_IMAGES: positiveInt.max(100).default(100),
  /** Processing sessions one user may have running at once. */
  MAX_RUNNING_SESSIONS: positiveInt.default(3),
  /** A transient failure is retried until an item has had this many attempts; then the item fails. */
  PROCESSING_MAX_ATTEMPTS: positiveInt.default(3),
  /** Finished (completed, failed, cancelled) sessions are deleted this long after they finish. */
  PROCESSING_SESSION_TTL_SECONDS: positiveInt.default(7 * 24 * 3600),
  /** The deprecated /api/* layer for the deployed frontend: "on", or "off" (then it answers 410 Gone). */
  LEGACY_API: z.enum(["on", "off"]).default("on"),
  /** When the /api/* layer goes away (its `Sunset` header). */
  LEGACY_SUNSET: z.iso.datetime().default("2027-06-30T00:00:00Z"),
  /** Newest images GET /api/images returns (the original API had no paging). */
  LEGACY_MAX_IMAGES: positiveInt.max(500).default(100),
  /** Lifetime of signed image URLs; expiries are rounded up to the quarter hour so URLs stay cacheable. */
  SIGNED_URL_TTL_SECONDS: positiveInt.default(3600),
  /** R2 objects without a D1 row are swept once they are older than this (an upload in flight has no row yet). */
  ORPHAN_GRACE_SECONDS: positiveInt.default(3600),
  /** Login attempts one IP may make per window, whatever the account. */
  LOGIN_ATTEMPTS_PER_IP: positiveInt.default(30),
  /**
   * Failed logins for one account from one IP (or one known device) per window: bounds guessing without letting one
   * client lock out others.
   */
  LOGIN_FAILURES_PER_ACCOUNT_IP: positiveInt.default(5),
  /** Failed logins for one account from all IPs per window: bounds distributed guessing. */
  LOGIN_FAILURES_PER_ACCOUNT: positiveInt.default(50),
  /**
   * Bot protection on register and login: "on" (every attempt needs a Turnstile token that siteverify accepts;
   * without TURNSTILE_SECRET_KEY those routes answer 503 and /health is degraded) or "off" (no check at all, and
   * /health says so).
   */
  TURNSTILE: z.enum(["on", "off"]).default("on"),
  TURNSTILE_SECRET_KEY: unsetIfEmpty(z.string()),
  /** Handed to frontends by GET /v1/auth/config, so no site key is hard-coded in one. */
  TURNSTILE_SITE_KEY: unsetIfEmpty(z.string()),
  /** Cloudflare's siteverify; `npm start` points it at a local stand-in (the real one is unreachable offline). */
  TURNSTILE_VERIFY_URL: z.url().default("https://challenges.cloudflare.com/turnstile/v0/siteverify"),
  /** Comma-separated hostnames a token must have been issued on; empty: not checked. */
  TURNSTILE_HOSTNAMES: z
    .string()
    .default("")
    .transform((list) =>
      list
        .split(",")
        .map((host) => host.trim().toLowerCase())
        .filter(Boolean),
    ),
  /** A siteverify slower than this refuses the request (fail closed). */
  TURNSTILE_TIMEOUT_MS: positiveInt.default(5000),
  RATE_LIMIT_WINDOW_SECONDS: positiveInt.default(900),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Thrown when the deployment lacks a secret or has a malformed variable; the message names the variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const cache = new WeakMap<object, Config>();

/** Reads and validates configuration once per `env` object (once per isolate in production). */
export function getConfig(env: Env): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid configuration: ${parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`).join("; ")}`,
    );
  }
  cache.set(env, parsed.data);
  return parsed.data;
}
