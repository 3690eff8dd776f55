import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import type { ViteUserConfig } from "vitest/config";

type Miniflare =
  NonNullable<Parameters<typeof cloudflareTest>[0]> extends infer O
    ? O extends { miniflare?: infer M }
      ? M
      : never
    : never;

/** Test-only secrets (production reads them from `wrangler secret`). */
const TEST_SECRETS = {
  JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789abcdef",
  PASSWORD_PEPPER: "test-pepper-0123456789abcdef0123456789abcdef",
  URL_SIGNING_SECRET: "test-url-signing-0123456789abcdef0123456789ab",
  // Bot protection is its named "off" mode here; test/auth/turnstile.test.ts runs the app with it on. The rest
  // pinned to the defaults, whatever a developer's .dev.vars says (npm start points them at its stand-in).
  TURNSTILE: "off",
  TURNSTILE_SECRET_KEY: "",
  TURNSTILE_SITE_KEY: "",
  TURNSTILE_VERIFY_URL: "https://challenges.cloudflare.com/turnstile/v0/siteverify",
  TURNSTILE_HOSTNAMES: "",
};

/** Turnstile's siteverify, for the SITEVERIFY service binding of wrangler.toml's test environment. */
const SITEVERIFY_STANDIN = {
  name: "siteverify",
  modules: true,
  scriptPath: "./scripts/siteverify-standin.js",
  compatibilityDate: "2026-04-20",
};

/**
 * The Worker inside workerd with wrangler.toml's `test` environment (real D1 and R2 simulation), migrations from
 * migrations/ applied before each file. Bindings set here win over a developer's .dev.vars.
 */
export async function workerTestConfig(options: {
  include: string[];
  exclude?: string[];
  bindings: Record<string, string>;
  miniflare?: Omit<Miniflare, "bindings">;
  globalSetup?: string[];
}): Promise<ViteUserConfig> {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml", environment: "test" },
        remoteBindings: false,
        miniflare: {
          ...options.miniflare,
          workers: [SITEVERIFY_STANDIN, ...(options.miniflare?.workers ?? [])],
          bindings: { TEST_MIGRATIONS: migrations, ...TEST_SECRETS, ...options.bindings },
        },
      }),
    ],
    // The Worker as deployed: "zod" as wrangler.toml's [alias] gives it to the bundle (src/lib/zod-bundle.ts).
    resolve: { alias: [{ find: /^zod$/, replacement: path.join(import.meta.dirname, "src/lib/zod-bundle.ts") }] },
    test: {
      include: options.include,
      ...(options.exclude ? { exclude: options.exclude } : {}),
      setupFiles: ["./test/setup/apply-migrations.ts"],
      // Integration tests through workerd on a 2-core CI machine: sessions, streams and uploads, not unit steps.
      // Waits inside tests (waitForStatus) fail with their own message well before this.
      testTimeout: 30_000,
      ...(options.globalSetup ? { globalSetup: options.globalSetup } : {}),
    },
  };
}
