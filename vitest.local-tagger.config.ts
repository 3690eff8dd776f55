import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { LOCAL_TAGGER_PORT } from "./test/local-tagger/ports";

/** The Worker in local mode (TAGGER="local"), tagging through the real tagger/ service with a tiny known model. */
export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml", environment: "test" },
        remoteBindings: false,
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789abcdef",
            PASSWORD_PEPPER: "test-pepper-0123456789abcdef0123456789abcdef",
            URL_SIGNING_SECRET: "test-url-signing-0123456789abcdef0123456789ab",
            TAGGER: "local",
            LOCAL_TAGGER_URL: `http://127.0.0.1:${LOCAL_TAGGER_PORT}`,
          },
        },
      }),
    ],
    test: {
      include: ["test/local-tagger/**/*.test.ts"],
      setupFiles: ["./test/setup/apply-migrations.ts"],
      globalSetup: ["./test/local-tagger/global-setup.ts"],
    },
  };
});
