import * as z from "zod";
import { utf8 } from "./encoding";

const secretValue = z
  .string({ error: "is not set" })
  .refine((value) => utf8.encode(value).length >= 32, "must be at least 32 bytes");

const positiveInt = z.coerce.number().int().positive();

/** An optional setting; an empty string (how an unset variable often arrives) counts as unset. */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const commaList = (fallback: string, normalise: (item: string) => string = (item) => item) =>
  z
    .string()
    .default(fallback)
    .transform((list) =>
      list
        .split(",")
        .map(normalise)
        .map((item) => item.trim())
        .filter(Boolean),
    );

/** What docs/configuration.md says of a variable (scripts/generate-config-docs.ts writes it). */
export interface SettingDoc {
  description: string;
  /** Set with `wrangler secret put`, never in `[vars]`. */
  secret?: boolean;
  /** Shown instead of an empty default. */
  unsetMeans?: string;
}

const documented = <T extends z.ZodType>(schema: T, doc: SettingDoc): T => schema.meta({ ...doc });

/**
 * Every variable the Worker reads, its default and what it means: the one place they are written.
 * docs/configuration.md is generated from this schema's metadata and defaults.
 */
export const ConfigSchema = z.object({
  JWT_SECRET: documented(secretValue, {
    secret: true,
    description: "HS256 key for access tokens, ≥ 32 bytes (missing or short: `/health` says so, the API answers 500).",
  }),
  PASSWORD_PEPPER: documented(secretValue, {
    secret: true,
    description: "HMAC key mixed into every password hash, ≥ 32 bytes; rotating it invalidates all passwords.",
  }),
  URL_SIGNING_SECRET: documented(secretValue, {
    secret: true,
    description: "HMAC key for signed image URLs, ≥ 32 bytes.",
  }),
  JWT_ISSUER: documented(z.string().min(1).default("https://api.imagify.ai"), {
    description: "`iss` of access tokens, pinned on verification.",
  }),
  JWT_AUDIENCE: documented(z.string().min(1).default("imagifyai-api"), {
    description: "`aud` of access tokens, pinned on verification.",
  }),
  PUBLIC_API_ORIGIN: documented(unsetIfEmpty(z.url({ protocol: /^https?$/ }).transform((url) => new URL(url).origin)), {
    description:
      "The origin clients reach the API at, for the absolute URLs in responses (image `url`s, problem `type`s).",
    unsetMeans: "each request's own origin",
  }),
  CORS_ORIGINS: documented(commaList("http://localhost:5173"), {
    description: "Comma-separated browser origins allowed by CORS (the web frontend).",
  }),
  TAGGER: documented(z.enum(["workers-ai", "local"]).default("workers-ai"), {
    description: "Who tags uploads: `workers-ai` (the `AI` binding) or `local` (the tagger service of `tagger/`).",
  }),
  LOCAL_TAGGER_URL: documented(z.url().default("http://127.0.0.1:8788"), {
    description: "The tagger service, when `TAGGER` is `local`.",
  }),
  IMAGE_ENGINE: documented(z.enum(["cloudflare", "local"]).default("cloudflare"), {
    description:
      "Who makes renditions and reads images: `cloudflare` (the `IMAGES` binding) or `local` (the image engine of `image-engine/`, which implements the binding's documented contract: EXIF orientation, HEIC, every fit and adjustment, quality, the metadata rule).",
  }),
  LOCAL_IMAGE_ENGINE_URL: documented(z.url().default("http://127.0.0.1:8790"), {
    description: "The image engine, when `IMAGE_ENGINE` is `local`.",
  }),
  TAG_MIN_SCORE: documented(z.coerce.number().min(0).max(1).default(0.05), {
    description: "AI tags below this confidence are dropped.",
  }),
  MAX_UPLOAD_BYTES: documented(positiveInt.default(10 * 1024 * 1024), {
    description: "Largest upload; 413 above it, refused while streaming.",
  }),
  MAX_IMAGE_PIXELS: documented(positiveInt.default(50_000_000), {
    description: "Largest image (width × height) an upload may declare; 422 above it (pixel floods).",
  }),
  TAGGER_TIMEOUT_MS: documented(positiveInt.default(10_000), {
    description: "A tagger slower than this fails the tagging (never the upload).",
  }),
  MAX_RENDITION_PIXELS: documented(positiveInt.default(16_777_216), {
    description: "Largest rendition a client may ask for (output width × height); 422 above it.",
  }),
  RENDITIONS_PER_HOUR: documented(positiveInt.default(200), {
    description:
      "New renditions one user may have made per hour through the file route (a fixed window); 429 beyond. Stored ones, thumbnails, display images and processing-session outputs do not count.",
  }),
  RENDITIONS_PER_IMAGE: documented(positiveInt.default(25), {
    description:
      "Distinct renditions stored per image; asking for another is 422 (the stored ones stay served). Thumbnails and display images do not count.",
  }),
  PRESETS_PER_USER: documented(positiveInt.default(50), {
    description:
      "Presets one user may have of their own (the built-in ones do not count); creating one more is 422, replacing one is always possible.",
  }),
  MAX_SESSION_IMAGES: documented(positiveInt.max(100).default(100), {
    description: "Images one processing session may convert (at most 100).",
  }),
  MAX_RUNNING_SESSIONS: documented(positiveInt.default(3), {
    description: "Processing sessions one user may have running at once.",
  }),
  PROCESSING_MAX_ATTEMPTS: documented(positiveInt.default(3), {
    description: "A transient failure is retried until an item has had this many attempts; then the item fails.",
  }),
  PROCESSING_SESSION_TTL_SECONDS: documented(positiveInt.default(7 * 24 * 3600), {
    description: "Finished (completed, failed, cancelled) sessions are deleted this long after they finish.",
  }),
  LEGACY_API: documented(z.enum(["on", "off"]).default("on"), {
    description: "The deprecated `/api/*` layer for the deployed frontend: `on`, or `off` (then it answers 410 Gone).",
  }),
  LEGACY_SUNSET: documented(z.iso.datetime().default("2027-06-30T00:00:00Z"), {
    description: "When the `/api/*` layer goes away (its `Sunset` header).",
  }),
  LEGACY_MAX_IMAGES: documented(positiveInt.max(500).default(100), {
    description: "Newest images `GET /api/images` returns (the original API had no paging; at most 500).",
  }),
  SIGNED_URL_TTL_SECONDS: documented(positiveInt.default(3600), {
    description: "Lifetime of signed image URLs; expiries are rounded up to the quarter hour so URLs stay cacheable.",
  }),
  ORPHAN_GRACE_SECONDS: documented(positiveInt.default(3600), {
    description:
      "R2 objects without a D1 row are swept once they are older than this (an upload in flight has no row yet).",
  }),
  LOGIN_ATTEMPTS_PER_IP: documented(positiveInt.default(30), {
    description: "Login attempts one IP may make per window, whatever the account.",
  }),
  LOGIN_FAILURES_PER_ACCOUNT_IP: documented(positiveInt.default(5), {
    description:
      "Failed logins for one account from one IP (or one known device) per window: bounds guessing without letting one client lock out others.",
  }),
  LOGIN_FAILURES_PER_ACCOUNT: documented(positiveInt.default(50), {
    description:
      "Failed logins for one account from all IPs per window: bounds distributed guessing (never blocks a Turnstile-verified human or a known device).",
  }),
  RATE_LIMIT_WINDOW_SECONDS: documented(positiveInt.default(900), {
    description: "The window of the three login limits.",
  }),
  TURNSTILE: documented(z.enum(["on", "off"]).default("on"), {
    description:
      "Bot protection on register and login: `on` (every attempt needs a Turnstile token that siteverify accepts; without `TURNSTILE_SECRET_KEY` those routes answer 503 and `/health` is degraded) or `off` (no check, and `/health` says so).",
  }),
  TURNSTILE_SECRET_KEY: documented(unsetIfEmpty(z.string()), {
    secret: true,
    description: "Turnstile's secret key, sent to siteverify.",
  }),
  TURNSTILE_SITE_KEY: documented(unsetIfEmpty(z.string()), {
    description: "Handed to frontends by `GET /v1/auth/config`, so no site key is hard-coded in one.",
  }),
  TURNSTILE_VERIFY_URL: documented(z.url().default("https://challenges.cloudflare.com/turnstile/v0/siteverify"), {
    description:
      "Cloudflare's siteverify; `npm start` points it at a local stand-in (the real one is unreachable offline).",
  }),
  TURNSTILE_HOSTNAMES: documented(
    commaList("", (host) => host.toLowerCase()),
    { description: "Comma-separated hostnames a token must have been issued on.", unsetMeans: "not checked" },
  ),
  TURNSTILE_TIMEOUT_MS: documented(positiveInt.default(5000), {
    description: "A siteverify slower than this refuses the request (fail closed).",
  }),
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
