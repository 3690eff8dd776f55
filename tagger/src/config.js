import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readInteger, readNumber } from "../../node-services/env-numbers.js";

/** Folder of this package (tagger/). */
export const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Where `npm run model:fetch` stores the model unless TAGGER_MODEL_DIR says otherwise (git-ignored). */
export const DEFAULT_MODEL_DIR = path.join(PACKAGE_DIR, ".model-cache", "resnet-50");

/** The model Workers AI serves as `@cf/microsoft/resnet-50`. */
export const MODEL_ID = "microsoft/resnet-50";

/**
 * Where the embedded CenterNet weights ship: the `models/` folder of the npm package @vladmandic/human.
 * Resolved through its main entry: the package's `exports` map does not expose package.json.
 */
export const DEFAULT_EMBEDDED_MODEL_DIR = (() => {
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve("@vladmandic/human")), "..", "models");
  } catch {
    return path.join(PACKAGE_DIR, "node_modules", "@vladmandic", "human", "models");
  }
})();

/**
 * @typedef {object} TaggerConfig
 * @property {string} host            loopback by default
 * @property {number} port            0 = pick a free port (tests)
 * @property {string} modelDir        folder laid out like the Hugging Face repo (onnx/model.onnx, config.json, …)
 * @property {number} maxBodyBytes    larger request bodies get 413
 * @property {number} maxInputPixels  larger images (width × height) get 400
 * @property {number} maxQueue        inferences waiting beyond this get 503 (busy)
 * @property {number} threads         onnxruntime intra-op threads (default: the CPUs this process may use;
 *                                    onnxruntime's own default counts the host's cores and oversubscribes containers)
 * @property {string | null} embeddedModelDir  folder with centernet.json + centernet.bin, used while the ResNet-50
 *                                    weights are absent; null = no embedded model (absent weights → 503)
 * @property {number} minDetectionScore  embedded model: detections below this score are not reported
 */

/**
 * Reads the service configuration from environment variables.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {TaggerConfig}
 */
export function readConfig(env = process.env) {
  return {
    host: env.TAGGER_HOST || "127.0.0.1",
    port: readInteger(env, "TAGGER_PORT", 8788, 0, 65535),
    modelDir: env.TAGGER_MODEL_DIR ? path.resolve(env.TAGGER_MODEL_DIR) : DEFAULT_MODEL_DIR,
    maxBodyBytes: readInteger(env, "TAGGER_MAX_BODY_BYTES", 20 * 1024 * 1024, 1, 1024 * 1024 * 1024),
    maxInputPixels: readInteger(env, "TAGGER_MAX_INPUT_PIXELS", 50_000_000, 1, 268_402_689),
    maxQueue: readInteger(env, "TAGGER_MAX_QUEUE", 16, 1, 10_000),
    threads: readInteger(env, "TAGGER_THREADS", os.availableParallelism(), 1, 256),
    embeddedModelDir: readEmbeddedModelDir(env),
    minDetectionScore: readNumber(env, "TAGGER_MIN_DETECTION_SCORE", 0.4, 0, 1),
  };
}

/** @param {NodeJS.ProcessEnv} env */
function readEmbeddedModelDir(env) {
  const mode = env.TAGGER_EMBEDDED_MODEL || "on";
  if (mode === "off") return null;
  if (mode !== "on") throw new Error(`TAGGER_EMBEDDED_MODEL must be "on" or "off", got "${mode}"`);
  return env.TAGGER_EMBEDDED_MODEL_DIR ? path.resolve(env.TAGGER_EMBEDDED_MODEL_DIR) : DEFAULT_EMBEDDED_MODEL_DIR;
}
