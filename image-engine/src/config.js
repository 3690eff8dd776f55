// Configuration from IMAGE_ENGINE_* environment variables. Defaults are Cloudflare's documented limits
// (https://developers.cloudflare.com/images/get-started/limits/).
import os from "node:os";
import { readInteger } from "../../node-services/env-numbers.js";
import { DEFAULT_LIMITS } from "./engine.js";

/**
 * @typedef {object} EngineConfig
 * @property {string} host           loopback by default: nothing else should reach it
 * @property {number} port           0 = pick a free port (tests)
 * @property {number} maxBodyBytes   larger request bodies get 413 (9402); room for the image, overlays and form
 * @property {number} concurrency    transforms running at once; more wait in line
 * @property {number} maxQueue       transforms waiting beyond this get 503 (9522, "too busy")
 * @property {import("./engine.js").Limits} limits
 */

/**
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {EngineConfig}
 */
export function readConfig(env = process.env) {
  const maxInputBytes = readInteger(env, "IMAGE_ENGINE_MAX_INPUT_BYTES", DEFAULT_LIMITS.maxInputBytes, 1, 2 ** 31 - 1);
  return {
    host: env.IMAGE_ENGINE_HOST || "127.0.0.1",
    port: readInteger(env, "IMAGE_ENGINE_PORT", 8790, 0, 65535),
    maxBodyBytes: readInteger(env, "IMAGE_ENGINE_MAX_BODY_BYTES", maxInputBytes + 16 * 1024 * 1024, 1, 2 ** 31 - 1),
    concurrency: readInteger(env, "IMAGE_ENGINE_CONCURRENCY", os.availableParallelism(), 1, 256),
    maxQueue: readInteger(env, "IMAGE_ENGINE_MAX_QUEUE", 32, 0, 10_000),
    limits: {
      maxInputBytes,
      maxInputPixels: readInteger(env, "IMAGE_ENGINE_MAX_INPUT_PIXELS", DEFAULT_LIMITS.maxInputPixels, 1, 1e9),
      maxInputSide: readInteger(env, "IMAGE_ENGINE_MAX_INPUT_SIDE", DEFAULT_LIMITS.maxInputSide, 1, 100_000),
      maxOutputSide: readInteger(env, "IMAGE_ENGINE_MAX_OUTPUT_SIDE", DEFAULT_LIMITS.maxOutputSide, 1, 100_000),
    },
  };
}
