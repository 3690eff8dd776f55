import { readFile } from "node:fs/promises";
import path from "node:path";
import { PACKAGE_DIR } from "./config.js";

/** labels.json: the 1000 ImageNet classes in logit order, already in Workers AI form. */
export const LABELS_FILE = path.join(PACKAGE_DIR, "labels.json");

/**
 * Workers AI names a class by its FIRST synonym, upper-cased:
 * "tabby, tabby cat" → "TABBY", "tiger cat" → "TIGER CAT".
 * @param {string} imagenetName
 * @returns {string}
 */
export function toWorkersAiLabel(imagenetName) {
  return imagenetName.split(",")[0].trim().toUpperCase();
}

/** @returns {Promise<string[]>} */
export async function readBundledLabels() {
  const labels = JSON.parse(await readFile(LABELS_FILE, "utf8"));
  if (!Array.isArray(labels) || labels.length !== 1000 || !labels.every((l) => typeof l === "string" && l)) {
    throw new Error(`${LABELS_FILE} must be an array of 1000 non-empty strings`);
  }
  return labels;
}

/**
 * Labels from a Hugging Face config.json `id2label` ({"0": "tench, Tinca tinca", …}), in Workers AI form.
 * @param {unknown} config
 * @returns {string[] | null} null when the config has no usable id2label
 */
export function labelsFromId2Label(config) {
  const id2label = /** @type {any} */ (config)?.id2label;
  if (!id2label || typeof id2label !== "object") return null;
  const count = Object.keys(id2label).length;
  const labels = [];
  for (let i = 0; i < count; i++) {
    const name = id2label[String(i)];
    if (typeof name !== "string" || !name) return null;
    labels.push(toWorkersAiLabel(name));
  }
  return labels;
}

/**
 * Indices where two label lists disagree (lengths compared too).
 * @param {string[]} a
 * @param {string[]} b
 * @returns {number[]}
 */
export function labelMismatches(a, b) {
  const out = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
}
