import { defineConfig } from "vitest/config";
import { LOCAL_TAGGER_PORT } from "./test/local-tagger/ports";
import { imageEnginePort } from "./test/setup/ports";
import { workerTestConfig } from "./vitest.shared";

/** The Worker in local mode (TAGGER="local"), tagging through the real tagger/ service with a tiny known model. */
export default defineConfig(async () =>
  workerTestConfig({
    include: ["test/local-tagger/**/*.test.ts"],
    bindings: {
      TAGGER: "local",
      LOCAL_TAGGER_URL: `http://127.0.0.1:${LOCAL_TAGGER_PORT}`,
      IMAGE_ENGINE: "local",
      LOCAL_IMAGE_ENGINE_URL: `http://127.0.0.1:${await imageEnginePort()}`,
    },
    globalSetup: ["./test/setup/image-engine.ts", "./test/local-tagger/global-setup.ts"],
  }),
);
