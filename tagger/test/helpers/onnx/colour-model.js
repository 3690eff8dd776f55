// A tiny stand-in for ResNet-50 with the same signature (pixel_values [1,3,224,224] float32 →
// logits [1,1000]) whose answer is known in advance: it averages each colour channel
// (GlobalAveragePool → Flatten) and scores classes by how close the mean colour is to a few
// prototype colours (MatMul + Add). The nearest prototype wins.
import { encodeModel } from "./onnx-model.js";

export const MEAN = [0.485, 0.456, 0.406];
export const STD = [0.229, 0.224, 0.225];
const TEMPERATURE = 1;
/** Every class without a prototype gets this logit: practically zero probability. */
const FLOOR = -30;

/** class index → prototype colour (sRGB 0–255). Indices 207/281/282 are the known ImageNet ones. */
export const PROTOTYPES = new Map([
  [281, [200, 120, 40]], // TABBY
  [282, [235, 105, 25]], // TIGER CAT
  [207, [225, 175, 70]], // GOLDEN RETRIEVER
  [948, [120, 200, 60]], // GRANNY SMITH
  [950, [255, 150, 0]], // ORANGE
  [951, [250, 240, 60]], // LEMON
  [975, [40, 90, 210]], // LAKESIDE
  [978, [90, 160, 230]], // SEASHORE
  [0, [110, 120, 90]], // TENCH
  [1, [255, 200, 30]], // GOLDFISH
  [430, [235, 235, 230]], // BASKETBALL
  [999, [245, 245, 245]], // TOILET TISSUE
  [409, [20, 20, 25]], // ANALOG CLOCK
  [919, [230, 30, 40]], // STREET SIGN
  [530, [130, 130, 130]], // DIGITAL CLOCK
]);

/** @param {number[]} rgb  0–255 @returns {number[]} the model's normalised input for that colour */
export function normalise(rgb) {
  return rgb.map((v, c) => (v / 255 - MEAN[c]) / STD[c]);
}

/**
 * Weights of the linear layer: logit_k = x·W[:,k] + b_k with W[:,k] = 2p_k/T, b_k = −|p_k|²/T,
 * i.e. −|x − p_k|²/T up to a term shared by all classes.
 */
export function colourModelWeights() {
  const weights = new Float32Array(3 * 1000); // [3, 1000] row-major
  const bias = new Float32Array(1000).fill(FLOOR);
  for (const [index, rgb] of PROTOTYPES) {
    const p = normalise(rgb);
    for (let c = 0; c < 3; c++) weights[c * 1000 + index] = (2 * p[c]) / TEMPERATURE;
    bias[index] = -(p[0] ** 2 + p[1] ** 2 + p[2] ** 2) / TEMPERATURE;
  }
  return { weights, bias };
}

/** @returns {Buffer} the ONNX model bytes */
export function buildColourModel() {
  const { weights, bias } = colourModelWeights();
  return encodeModel({
    name: "colour-prototypes",
    inputs: [{ name: "pixel_values", dims: [1, 3, 224, 224] }],
    outputs: [{ name: "logits", dims: [1, 1000] }],
    initializers: [
      { name: "W", dims: [3, 1000], data: weights },
      { name: "b", dims: [1000], data: bias },
    ],
    nodes: [
      { op: "GlobalAveragePool", inputs: ["pixel_values"], outputs: ["mean"] },
      { op: "Flatten", inputs: ["mean"], outputs: ["flat"], attributes: { axis: 1 } },
      { op: "MatMul", inputs: ["flat", "W"], outputs: ["scores"] },
      { op: "Add", inputs: ["scores", "b"], outputs: ["logits"] },
    ],
  });
}

/**
 * What the model must answer for a solid colour, computed here in float64 straight from the
 * weights — independent of the service's decoding, preprocessing and softmax code.
 * @param {number[]} rgb
 * @returns {{ index: number, logit: number, score: number }[]} all 1000, highest first
 */
export function expectedRanking(rgb) {
  const { weights, bias } = colourModelWeights();
  const x = normalise(rgb);
  const logits = Array.from(
    { length: 1000 },
    (_, k) => x[0] * weights[k] + x[1] * weights[1000 + k] + x[2] * weights[2000 + k] + bias[k],
  );
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return logits
    .map((logit, index) => ({ index, logit, score: exps[index] / sum }))
    .sort((a, b) => b.logit - a.logit || a.index - b.index);
}

/**
 * How much room the expected top 5 leaves for colour error: the smallest, over adjacent ranks
 * 1–6, of (logit gap − the largest change a per-channel error of ±delta could cause). Positive
 * means the ranking cannot flip, e.g. for a JPEG that decodes a colour up to delta levels off.
 * @param {number[]} rgb
 * @param {number} delta  0–255 levels
 */
export function rankingSlack(rgb, delta) {
  const { weights } = colourModelWeights();
  const ranking = expectedRanking(rgb);
  let slack = Infinity;
  for (let i = 0; i < 5; i++) {
    const a = ranking[i].index;
    const b = ranking[i + 1].index;
    let bound = 0;
    for (let c = 0; c < 3; c++)
      bound += (Math.abs(weights[c * 1000 + a] - weights[c * 1000 + b]) * delta) / (255 * STD[c]);
    slack = Math.min(slack, ranking[i].logit - ranking[i + 1].logit - bound);
  }
  return slack;
}
