import { loadCenterNet } from "./centernet-engine.js";
import { modelFingerprint } from "./model-files.js";
import { busy, modelUnavailable } from "./problem.js";
import { loadResnet } from "./resnet-engine.js";

/**
 * @typedef {{ name: string, id: string, file: string, sha256: string }} ModelInfo
 *   name: "resnet-50-onnx" or "centernet-coco80", sent as X-Tagger-Model
 * @typedef {{ label: string, score: number }} Tag
 * @typedef {object} Engine
 * @property {ModelInfo} info
 * @property {(bytes: Uint8Array) => Promise<any>} prepare  decode + preprocess (runs concurrently)
 * @property {(input: any) => Promise<Tag[]>} infer           inference (one at a time)
 * @property {() => Promise<void>} release
 */

/**
 * Owns the models: ResNet-50 when its weights are in config.modelDir, otherwise the embedded
 * CenterNet. While CenterNet answers, every request first checks whether the ResNet-50 files changed
 * and, if so, tries them: the switch happens without a restart.
 */
export class Tagger {
  /** @type {Engine | null} */
  #engine = null;
  /** Why ResNet-50 is not the active model; null once it is. */
  /** @type {{ reason: string, fingerprint: string } | null} */
  #resnetMissing = { reason: "not loaded yet", fingerprint: "\0" };
  /** Why the embedded model is not available (turned off or failed to load), once known. */
  /** @type {string | null} */
  #embeddedProblem = null;
  /** @type {Promise<void> | null} */
  #loading = null;
  /** @type {Promise<unknown>} */
  #inference = Promise.resolve();
  #inFlight = 0;
  /** Requests using each engine: a replaced engine is released when its last request ends. */
  /** @type {Map<Engine, number>} */
  #users = new Map();
  #closed = false;

  /**
   * @param {import('./config.js').TaggerConfig} config
   * @param {(message: string) => void} [log]
   */
  constructor(config, log = () => {}) {
    this.config = config;
    this.log = log;
  }

  /** Loads ResNet-50 if its files are there, else (once) the embedded model. Never throws. */
  load() {
    this.#loading ??= this.#load().finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  /**
   * @returns {{ status: 'ok' | 'no-model', model: ModelInfo | null, reason?: string }}
   *   `reason`: why ResNet-50 is not the active model (or why there is none)
   */
  health() {
    const engine = this.#engine;
    if (!engine) return { status: "no-model", model: null, reason: this.#noModelReason() };
    if (!this.#resnetMissing) return { status: "ok", model: engine.info };
    return { status: "ok", model: engine.info, reason: this.#resnetMissing.reason };
  }

  /** Like health(), but first retries ResNet-50 if its folder changed since the last attempt. */
  async freshHealth() {
    await this.#ready().catch(() => {});
    return this.health();
  }

  /**
   * @param {Uint8Array} bytes  an encoded image file
   * @returns {Promise<{ tags: Tag[], model: string }>} top 5, highest score first, and the model's name
   */
  async tag(bytes) {
    const engine = await this.#acquire();
    try {
      if (this.#inFlight >= this.config.maxQueue) throw busy();
      this.#inFlight++;
      try {
        const input = await engine.prepare(bytes);
        const tags = await this.#serially(() => engine.infer(input));
        return { tags, model: engine.info.name };
      } finally {
        this.#inFlight--;
      }
    } finally {
      const users = /** @type {number} */ (this.#users.get(engine)) - 1;
      if (users > 0) this.#users.set(engine, users);
      else {
        this.#users.delete(engine);
        if (engine !== this.#engine) await this.#release(engine);
      }
    }
  }

  async close() {
    this.#closed = true;
    await this.#loading;
    await this.#inference.catch(() => {});
    const engine = this.#engine;
    this.#engine = null;
    if (engine && !this.#users.has(engine)) await this.#release(engine);
  }

  /** Retries ResNet-50 if it is not active and its folder changed since the last attempt. */
  async #ready() {
    if (this.#closed) throw modelUnavailable("The tagger is shutting down.");
    const missing = this.#resnetMissing;
    if (missing && missing.fingerprint !== (await modelFingerprint(this.config.modelDir))) await this.load();
  }

  /**
   * The active engine, counted as in use (in the same tick as it is read, so a swap cannot release it
   * under this request).
   * @returns {Promise<Engine>}
   */
  async #acquire() {
    await this.#ready();
    const engine = this.#engine;
    if (this.#closed) throw modelUnavailable("The tagger is shutting down.");
    if (!engine) throw modelUnavailable(this.#noModelReason());
    this.#users.set(engine, (this.#users.get(engine) ?? 0) + 1);
    return engine;
  }

  /**
   * One inference at a time: onnxruntime already uses every core for a single image, and
   * TF.js's WebAssembly backend runs synchronously.
   * @template T
   * @param {() => Promise<T>} task
   * @returns {Promise<T>}
   */
  #serially(task) {
    const run = this.#inference.then(task, task);
    this.#inference = run.catch(() => {});
    return run;
  }

  async #load() {
    const first = this.#resnetMissing?.fingerprint === "\0";
    const fingerprint = await modelFingerprint(this.config.modelDir);
    const resnet = await loadResnet(this.config, this.log);
    if (this.#closed) {
      if ("engine" in resnet) await resnet.engine.release();
      return;
    }
    if ("engine" in resnet) {
      const previous = this.#engine;
      this.#engine = resnet.engine;
      this.#resnetMissing = null;
      if (previous) {
        this.log(`switched from ${previous.info.name} to ${resnet.engine.info.name}`);
        if (!this.#users.has(previous)) await this.#release(previous);
      }
      return;
    }
    // The server's start-up line states the first reason; later ones (files changed) are logged here.
    if (!first && resnet.reason !== this.#resnetMissing?.reason) this.log(`ResNet-50 not loaded: ${resnet.reason}`);
    this.#resnetMissing = { reason: resnet.reason, fingerprint };
    if (!this.#engine && !this.#embeddedProblem) await this.#loadEmbedded();
  }

  async #loadEmbedded() {
    const { embeddedModelDir } = this.config;
    if (embeddedModelDir === null) {
      this.#embeddedProblem = "The embedded CenterNet model is turned off (TAGGER_EMBEDDED_MODEL=off).";
      return;
    }
    try {
      this.#engine = await loadCenterNet({ ...this.config, embeddedModelDir });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#embeddedProblem = `The embedded CenterNet model could not be loaded from ${embeddedModelDir} either: ${message}`;
      this.log(this.#embeddedProblem);
    }
  }

  #noModelReason() {
    if (this.#closed) return "The tagger is shutting down.";
    return [this.#resnetMissing?.reason, this.#embeddedProblem].filter(Boolean).join(" ");
  }

  /** @param {Engine} engine */
  async #release(engine) {
    await engine.release().catch((error) => this.log(`releasing ${engine.info.name} failed: ${error}`));
  }
}
