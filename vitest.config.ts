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
            // Explicit, so a developer's .dev.vars (TAGGER="local") never leaks into tests.
            TAGGER: "workers-ai",
            // Short, so the timeout test stays quick.
            TAGGER_TIMEOUT_MS: "1500",
          },
          // Workers AI cannot run here: a worker honouring its ResNet-50 contract stands in for the AI binding,
          // and AI_STUB lets tests program its answers and count its calls.
          serviceBindings: {
            AI: { name: "ai-stub", entrypoint: "AiStub" },
            AI_STUB: { name: "ai-stub", entrypoint: "AiStubControl" },
          },
          workers: [{ name: "ai-stub", modules: true, scriptPath: "./test/stubs/ai-stub.js", compatibilityDate: "2026-04-20" }],
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/setup/apply-migrations.ts"],
    },
  };
});
