import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readConfig } from "../../src/config.js";
import { startTagger } from "../../src/start.js";

/**
 * A model folder in the Hugging Face layout (onnx/model.onnx, optional JSON configs).
 * @param {{ model?: Uint8Array, files?: Record<string, unknown> }} [contents]
 */
export async function makeModelDir({ model, files = {} } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tagger-model-"));
  if (model) {
    await mkdir(path.join(dir, "onnx"));
    await writeFile(path.join(dir, "onnx", "model.onnx"), model);
  }
  for (const [name, value] of Object.entries(files)) await writeFile(path.join(dir, name), JSON.stringify(value));
  return dir;
}

/**
 * Starts the tagger in-process on an ephemeral loopback port.
 * @param {string} modelDir
 * @param {Record<string, string>} [env]  extra TAGGER_* settings
 */
export async function startService(modelDir, env = {}) {
  const config = readConfig({ TAGGER_PORT: "0", TAGGER_MODEL_DIR: modelDir, TAGGER_THREADS: "1", ...env });
  const service = await startTagger(config);
  return {
    ...service,
    /** @param {string} pathname @param {RequestInit} [init] */
    fetch: (pathname, init) => fetch(service.url + pathname, init),
    async stop() {
      await service.close();
      await rm(modelDir, { recursive: true, force: true });
    },
  };
}
