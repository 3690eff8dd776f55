import ort from "onnxruntime-node";

/**
 * An ONNX image classifier: pixel_values [1,3,H,W] float32 → logits [1,N].
 */
export class Classifier {
  /**
   * @param {import('onnxruntime-node').InferenceSession} session
   * @param {string} inputName
   * @param {string} outputName
   */
  constructor(session, inputName, outputName) {
    this.session = session;
    this.inputName = inputName;
    this.outputName = outputName;
  }

  /**
   * Loads the model on the CPU. Prefers the tensor names of the Hugging Face export
   * (`pixel_values` → `logits`), otherwise uses the only input/output.
   * @param {string} modelPath
   * @param {{ threads?: number }} [options]
   */
  static async load(modelPath, { threads = 0 } = {}) {
    /** @type {import('onnxruntime-node').InferenceSession.SessionOptions} */
    const sessionOptions = { executionProviders: ["cpu"], graphOptimizationLevel: "all" };
    if (threads > 0) sessionOptions.intraOpNumThreads = threads;
    const session = await ort.InferenceSession.create(modelPath, sessionOptions);
    const inputName = pickName(session.inputNames, "pixel_values", "input");
    const outputName = pickName(session.outputNames, "logits", "output");
    return new Classifier(session, inputName, outputName);
  }

  /**
   * @param {Float32Array} data
   * @param {readonly number[]} dims
   * @returns {Promise<Float32Array>} the logits of the single image in the batch
   */
  async logits(data, dims) {
    const results = await this.session.run({ [this.inputName]: new ort.Tensor("float32", data, dims) });
    const output = results[this.outputName];
    if (output.type !== "float32")
      throw new Error(`model output "${this.outputName}" is ${output.type}, expected float32`);
    return /** @type {Float32Array} */ (output.data);
  }

  async release() {
    await this.session.release();
  }
}

/**
 * @param {readonly string[]} names
 * @param {string} preferred
 * @param {string} kind
 */
function pickName(names, preferred, kind) {
  if (names.includes(preferred)) return preferred;
  if (names.length === 1) return names[0];
  throw new Error(`model has ${kind}s [${names.join(", ")}]; expected "${preferred}"`);
}
