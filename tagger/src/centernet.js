import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { tfWasm } from "./tf-wasm.js";

export const CENTERNET_MODEL_FILE = "centernet.json";
const OUTPUT = "tower_0/detections";

/**
 * CenterNet (MobileNetV3 backbone, COCO 80 classes), a TF.js graph model: RGB 0–255 float
 * [1,size,size,3] → `tower_0/detections` [1,100,6] = x1, y1, x2, y2, score, class index
 * (the 100 best peaks of the class heatmaps, decoded inside the graph).
 */
export class CenterNet {
  /**
   * @param {import('@tensorflow/tfjs-core')} tf
   * @param {import('@tensorflow/tfjs-converter').GraphModel} model
   * @param {number} inputSize
   * @param {string} weightsSha256  of the weight files, concatenated in manifest order
   */
  constructor(tf, model, inputSize, weightsSha256) {
    this.tf = tf;
    this.model = model;
    this.inputSize = inputSize;
    this.weightsSha256 = weightsSha256;
  }

  /**
   * Reads centernet.json and its weight files from `dir` (Node's fetch cannot read file:// URLs,
   * so the files go to TF.js from memory), then runs a blank image once: checks the output shape
   * and warms the backend up.
   * @param {string} dir
   */
  static async load(dir) {
    const { tf, loadGraphModel } = await tfWasm();
    const json = JSON.parse(await readFile(path.join(dir, CENTERNET_MODEL_FILE), "utf8"));
    const groups = /** @type {{ paths: string[], weights: any[] }[]} */ (json.weightsManifest);
    const buffers = [];
    for (const group of groups) for (const file of group.paths) buffers.push(await readFile(path.join(dir, file)));
    const weightData = Buffer.concat(buffers);
    const model = await loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: groups.flatMap((group) => group.weights),
        weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
      }),
    );
    const inputSize = Number(Object.values(json.signature?.inputs ?? {})[0]?.tensorShape?.dim?.[1]?.size);
    const sha256 = createHash("sha256").update(weightData).digest("hex");
    const centerNet = new CenterNet(tf, model, inputSize, sha256);
    try {
      if (!(inputSize > 0)) throw new Error(`${CENTERNET_MODEL_FILE} declares no square input size`);
      await centerNet.detect(new Uint8Array(inputSize * inputSize * 3));
    } catch (error) {
      centerNet.release();
      throw error;
    }
    return centerNet;
  }

  /**
   * @param {Uint8Array} rgb  interleaved RGB bytes, inputSize × inputSize
   * @returns {Promise<import('./detections.js').Detection[]>}
   */
  async detect(rgb) {
    const { tf, inputSize } = this;
    const input = tf.tensor4d(Float32Array.from(rgb), [1, inputSize, inputSize, 3]);
    let output;
    try {
      output = /** @type {import('@tensorflow/tfjs-core').Tensor} */ (this.model.execute(input, OUTPUT));
    } finally {
      input.dispose();
    }
    const { shape } = output;
    const data = await output.data();
    output.dispose();
    if (shape.length !== 3 || shape[0] !== 1 || shape[2] !== 6) {
      throw new Error(`${OUTPUT} has shape [${shape.join(",")}], expected [1,N,6]`);
    }
    const detections = [];
    for (let i = 0; i < shape[1]; i++) detections.push({ classIndex: data[i * 6 + 5], score: data[i * 6 + 4] });
    return detections;
  }

  release() {
    this.model.dispose();
  }
}
