import { Classifier } from "./classifier.js";
import { MODEL_ID } from "./config.js";
import { imageToTensor } from "./image-to-tensor.js";
import { labelMismatches, labelsFromId2Label, readBundledLabels } from "./labels.js";
import { findModelFiles, modelFingerprint, sha256File } from "./model-files.js";
import { preprocessingFrom } from "./preprocessor.js";
import { busy, modelUnavailable } from "./problem.js";
import { softmax, topK } from "./top-k.js";

/**
 * @typedef {{ id: string, file: string, sha256: string }} ModelInfo
 * @typedef {{ status: 'ok', model: ModelInfo, classifier: Classifier, labels: string[],
 *             pre: import('./preprocessor.js').Preprocessing }} Ready
 * @typedef {{ status: 'no-model', reason: string, fingerprint: string }} Missing
 * @typedef {{ label: string, score: number }} Tag
 */

/**
 * Owns the model: loads it, reports its state, and turns image bytes into the Workers AI
 * top-5 answer. Without a model it says why (and retries once the files on disk change).
 */
export class Tagger {
  /** @type {Ready | Missing} */
  #state = { status: "no-model", reason: "not loaded yet", fingerprint: "\0" };
  /** @type {Promise<Ready | Missing> | null} */
  #loading = null;
  /** @type {Promise<unknown>} */
  #inference = Promise.resolve();
  #inFlight = 0;
  #closed = false;

  /**
   * @param {import('./config.js').TaggerConfig} config
   * @param {(message: string) => void} [log]
   */
  constructor(config, log = () => {}) {
    this.config = config;
    this.log = log;
  }

  /** Loads (or re-loads) the model from config.modelDir. Never throws. */
  load() {
    this.#loading ??= this.#load().then((state) => {
      this.#state = state;
      this.#loading = null;
      return state;
    });
    return this.#loading;
  }

  /** @returns {{ status: 'ok' | 'no-model', model: ModelInfo | null, reason?: string }} */
  health() {
    const state = this.#state;
    if (state.status === "ok") return { status: "ok", model: state.model };
    return { status: "no-model", model: null, reason: state.reason };
  }

  /** Like health(), but first retries loading if the model folder changed since the last failure. */
  async freshHealth() {
    await this.#ready().catch(() => {});
    return this.health();
  }

  /**
   * @param {Uint8Array} bytes  an encoded image file
   * @returns {Promise<Tag[]>} top 5, highest score first
   */
  async tag(bytes) {
    const state = await this.#ready();
    if (this.#inFlight >= this.config.maxQueue) throw busy();
    this.#inFlight++;
    try {
      const { data, dims } = await imageToTensor(bytes, state.pre, this.config);
      const logits = await this.#serially(() => state.classifier.logits(data, dims));
      return topK(softmax(logits), state.labels, 5);
    } finally {
      this.#inFlight--;
    }
  }

  async close() {
    this.#closed = true;
    await this.#loading;
    await this.#inference.catch(() => {});
    const state = this.#state;
    this.#state = { status: "no-model", reason: "the tagger is shutting down", fingerprint: "\0" };
    if (state.status === "ok") await state.classifier.release();
  }

  /** @returns {Promise<Ready>} */
  async #ready() {
    let state = this.#state;
    if (this.#closed) throw modelUnavailable("The tagger is shutting down.");
    if (state.status === "no-model" && state.fingerprint !== (await modelFingerprint(this.config.modelDir))) {
      state = await this.load();
    }
    if (state.status !== "ok") throw modelUnavailable(state.reason);
    return state;
  }

  /**
   * One inference at a time: onnxruntime already uses every core for a single image.
   * @template T
   * @param {() => Promise<T>} task
   * @returns {Promise<T>}
   */
  #serially(task) {
    const run = this.#inference.then(task, task);
    this.#inference = run.catch(() => {});
    return run;
  }

  /** @returns {Promise<Ready | Missing>} */
  async #load() {
    const dir = this.config.modelDir;
    const fingerprint = await modelFingerprint(dir);
    const fetchHint =
      "Run `npm run model:fetch` in tagger/ once (needs internet); the tagger picks the files up without a restart.";
    try {
      const files = await findModelFiles(dir);
      if (!files) {
        return this.#missing(
          `The ResNet-50 weights are missing: no onnx/model.onnx in ${dir}. ${fetchHint}`,
          fingerprint,
        );
      }
      const sha256 = await sha256File(files.modelPath);
      const expected = files.receipt?.files?.[files.modelFile]?.sha256;
      if (expected && expected !== sha256) {
        return this.#missing(
          `${files.modelFile} does not match its recorded sha256 (corrupt or partial download). ${fetchHint}`,
          fingerprint,
        );
      }
      const labels = await this.#labelsFor(files.config);
      const pre = preprocessingFrom(files.preprocessorConfig);
      const classifier = await Classifier.load(files.modelPath, { threads: this.config.threads });
      await checkSignature(classifier, pre.cropSize, labels.length).catch(async (error) => {
        await classifier.release();
        throw error;
      });
      const model = { id: MODEL_ID, file: files.modelFile, sha256 };
      this.log(`model loaded: ${files.modelPath} (sha256 ${sha256})`);
      return { status: "ok", model, classifier, labels, pre };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return this.#missing(`The model in ${dir} could not be loaded: ${message}. ${fetchHint}`, fingerprint);
    }
  }

  /** @param {string} reason @param {string} fingerprint @returns {Missing} */
  #missing(reason, fingerprint) {
    this.log(`no model: ${reason}`);
    return { status: "no-model", reason, fingerprint };
  }

  /**
   * The model's own config.json id2label wins when present (it belongs to the weights);
   * labels.json is the fallback. A disagreement between the two is logged.
   * @param {any} config
   */
  async #labelsFor(config) {
    const bundled = await readBundledLabels();
    const fromConfig = labelsFromId2Label(config);
    if (!fromConfig) return bundled;
    const mismatches = labelMismatches(bundled, fromConfig);
    if (mismatches.length > 0) {
      const i = mismatches[0];
      this.log(
        `config.json id2label differs from labels.json at ${mismatches.length} indices ` +
          `(first: ${i} "${fromConfig[i]}" vs "${bundled[i]}"); using config.json`,
      );
    }
    return fromConfig;
  }
}

/**
 * Runs a blank image once: checks the model's input/output shapes and warms it up.
 * @param {Classifier} classifier
 * @param {number} size
 * @param {number} labelCount
 */
async function checkSignature(classifier, size, labelCount) {
  const logits = await classifier.logits(new Float32Array(3 * size * size), [1, 3, size, size]);
  if (logits.length !== labelCount) {
    throw new Error(`the model outputs ${logits.length} logits but there are ${labelCount} labels`);
  }
}
