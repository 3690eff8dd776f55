import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";

/** Model files in preference order (Hugging Face layout of Xenova/resnet-50). */
export const MODEL_CANDIDATES = ["onnx/model.onnx", "onnx/model_quantized.onnx", "model.onnx"];

/** Written by `npm run model:fetch` next to the files it downloaded. */
export const RECEIPT_FILE = "fetch-receipt.json";

/**
 * @typedef {object} ModelFiles
 * @property {string} modelPath
 * @property {string} modelFile      path relative to the model folder, e.g. "onnx/model.onnx"
 * @property {{ size: number, mtimeMs: number }} modelStat
 * @property {any} config             parsed config.json or null
 * @property {any} preprocessorConfig parsed preprocessor_config.json or null
 * @property {any} receipt            parsed fetch-receipt.json or null
 */

/**
 * Finds the ONNX file (and its JSON configs) in a model folder.
 * @param {string} dir
 * @returns {Promise<ModelFiles | null>} null when no model file is there
 */
export async function findModelFiles(dir) {
  for (const modelFile of MODEL_CANDIDATES) {
    const modelPath = path.join(dir, modelFile);
    const info = await stat(modelPath).catch(() => null);
    if (!info?.isFile()) continue;
    return {
      modelPath,
      modelFile,
      modelStat: { size: info.size, mtimeMs: info.mtimeMs },
      config: await readJsonIfPresent(path.join(dir, "config.json")),
      preprocessorConfig: await readJsonIfPresent(path.join(dir, "preprocessor_config.json")),
      receipt: await readJsonIfPresent(path.join(dir, RECEIPT_FILE)),
    };
  }
  return null;
}

/**
 * @param {string} file
 * @returns {Promise<any>} parsed JSON, or null if the file does not exist
 */
export async function readJsonIfPresent(file) {
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === "ENOENT") return null;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
}

/**
 * @param {string} file
 * @returns {Promise<string>} hex sha256 of the file's bytes
 */
export async function sha256File(file) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * Cheap identity of what is on disk (names, sizes, mtimes), to tell whether a failed
 * load is worth retrying.
 * @param {string} dir
 * @returns {Promise<string>}
 */
export async function modelFingerprint(dir) {
  const parts = [];
  for (const file of [...MODEL_CANDIDATES, RECEIPT_FILE, "config.json", "preprocessor_config.json"]) {
    const info = await stat(path.join(dir, file)).catch(() => null);
    if (info) parts.push(`${file}:${info.size}:${info.mtimeMs}`);
  }
  return parts.join("|");
}
