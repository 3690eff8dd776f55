import { defineConfig } from "vitest/config";
import { workerTestConfig } from "./vitest.shared";

export default defineConfig(() =>
  workerTestConfig({
    include: ["test/**/*.test.ts"],
    exclude: ["test/local-tagger/**"], // run by vitest.local-tagger.config.ts, next to a running tagger
    bindings: {
      TAGGER: "workers-ai",
      // Short, so the timeout test stays quick.
      TAGGER_TIMEOUT_MS: "1500",
    },
    miniflare: {
      // Workers AI cannot run here: a worker honouring its ResNet-50 contract stands in for the AI binding,
      // and AI_STUB lets tests program its answers and count its calls.
      serviceBindings: {
        AI: { name: "ai-stub", entrypoint: "AiStub" },
        AI_STUB: { name: "ai-stub", entrypoint: "AiStubControl" },
      },
      workers: [
        { name: "ai-stub", modules: true, scriptPath: "./test/stubs/ai-stub.js", compatibilityDate: "2026-04-20" },
      ],
    },
  }),
);
