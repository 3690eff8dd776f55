// Starts the real tagger/ service (node tagger/src/server.js: onnxruntime + sharp) three times on loopback: with a
// tiny model whose answers are known in advance (tagger/test/helpers/onnx/colour-model.js), with no model at all
// (embedded model turned off), and without ResNet-50 weights (so its embedded CenterNet model answers; fed real
// photos from tagger/scripts/fetch-test-photos.js). The Worker under test runs in local mode against the first
// (see vitest.local-tagger.config.ts).
import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { ensureTestPhotos, PHOTOS_DIR } from "../../tagger/scripts/fetch-test-photos.js";
import { solidImage } from "../../tagger/test/helpers/images.js";
import { buildColourModel } from "../../tagger/test/helpers/onnx/colour-model.js";
import { startService } from "../setup/start-service";
import { EMBEDDED_MODEL_TAGGER_PORT, LOCAL_TAGGER_PORT, MISSING_MODEL_TAGGER_PORT } from "./ports";

/** Real photos the embedded-model test uploads. */
const PHOTOS = ["astronaut.png", "coffee.png", "motorcycle_left.png"] as const;

export default async function setup(project: TestProject) {
  const withModelDir = await mkdtemp(path.join(os.tmpdir(), "tagger-model-"));
  await mkdir(path.join(withModelDir, "onnx"));
  await writeFile(path.join(withModelDir, "onnx", "model.onnx"), buildColourModel());
  const emptyDir = await mkdtemp(path.join(os.tmpdir(), "tagger-empty-"));
  await ensureTestPhotos({ log: (message) => console.log(`[global-setup] ${message}`) });

  const services = [
    await startTagger(withModelDir, LOCAL_TAGGER_PORT),
    await startTagger(emptyDir, MISSING_MODEL_TAGGER_PORT, { TAGGER_EMBEDDED_MODEL: "off" }),
    await startTagger(emptyDir, EMBEDDED_MODEL_TAGGER_PORT),
  ];
  // The TABBY prototype colour of the colour model, as a real PNG.
  const png = await solidImage("png", [200, 120, 40], { width: 64, height: 48 });
  project.provide("tabbyPngBase64", Buffer.from(png).toString("base64"));
  const photos: Record<string, string> = {};
  for (const name of PHOTOS) photos[name] = (await readFile(path.join(PHOTOS_DIR, name))).toString("base64");
  project.provide("photosBase64", photos);

  return async () => {
    for (const service of services) service.kill("SIGTERM");
    await Promise.all([
      rm(withModelDir, { recursive: true, force: true }),
      rm(emptyDir, { recursive: true, force: true }),
    ]);
  };
}

function startTagger(modelDir: string, port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  return startService("tagger", "tagger/src/server.js", port, {
    ...env,
    TAGGER_MODEL_DIR: modelDir,
    TAGGER_PORT: String(port),
    TAGGER_HOST: "127.0.0.1",
    TAGGER_THREADS: "1",
  });
}

declare module "vitest" {
  export interface ProvidedContext {
    tabbyPngBase64: string;
    /** astronaut.png, coffee.png, motorcycle_left.png (scikit-image's sample photos), base64. */
    photosBase64: Record<string, string>;
  }
}
