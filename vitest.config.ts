import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

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
            // Test-only secrets (production reads them from `wrangler secret`).
            JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789abcdef",
            PASSWORD_PEPPER: "test-pepper-0123456789abcdef0123456789abcdef",
            URL_SIGNING_SECRET: "test-url-signing-0123456789abcdef0123456789ab",
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/setup/apply-migrations.ts"],
    },
  };
});
