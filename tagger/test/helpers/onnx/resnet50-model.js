// The ResNet-50 (v1.5) architecture with RANDOM weights, for benchmarks: the real layer shapes
// (7×7 stem, bottleneck stages [3, 4, 6, 3], 2048 → 1000 head, 25.6 M parameters, ~4.1 GFLOPs),
// batch-norm folded into conv biases as optimised exports do. Its answers are meaningless.
import { encodeModel } from "./onnx-model.js";

/**
 * @param {{ seed?: number }} [options]
 * @returns {Buffer} ONNX model: pixel_values [1,3,224,224] → logits [1,1000]
 */
export function buildResnet50Shaped({ seed = 1 } = {}) {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296 - 0.5;
  };
  /** @type {import('./onnx-model.js').Initializer[]} */
  const initializers = [];
  /** @type {import('./onnx-model.js').Node[]} */
  const nodes = [];
  let count = 0;

  /** @param {number[]} dims @param {number} scale */
  const param = (dims, scale) => {
    const name = `p${count++}`;
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = random() * scale;
    initializers.push({ name, dims, data });
    return name;
  };
  /**
   * conv (+ folded BN bias), optionally followed by ReLU
   * @param {string} input @param {number} cin @param {number} cout @param {number} k @param {number} stride
   * @param {{ relu?: boolean, gain?: number }} [options]
   */
  const conv = (input, cin, cout, k, stride, { relu = true, gain = 1 } = {}) => {
    const output = `t${count++}`;
    const scale = gain * Math.sqrt(12 / (cin * k * k)); // uniform with He variance 2/fan_in
    const pad = (k - 1) >> 1;
    nodes.push({
      op: "Conv",
      inputs: [input, param([cout, cin, k, k], scale), param([cout], 0.02)],
      outputs: [relu ? `${output}_pre` : output],
      attributes: { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] },
    });
    if (relu) nodes.push({ op: "Relu", inputs: [`${output}_pre`], outputs: [output] });
    return output;
  };

  let x = conv("pixel_values", 3, 64, 7, 2);
  nodes.push({
    op: "MaxPool",
    inputs: [x],
    outputs: ["pool"],
    attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
  });
  x = "pool";
  let channels = 64;
  for (const [width, blocks, firstStride] of [
    [64, 3, 1],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 2],
  ]) {
    for (let b = 0; b < blocks; b++) {
      const stride = b === 0 ? firstStride : 1;
      const out = width * 4;
      const shortcut = b === 0 ? conv(x, channels, out, 1, stride, { relu: false }) : x;
      let y = conv(x, channels, width, 1, 1);
      y = conv(y, width, width, 3, stride); // v1.5: stride on the 3×3
      y = conv(y, width, out, 1, 1, { relu: false, gain: 0.2 });
      const sum = `t${count++}`;
      nodes.push({ op: "Add", inputs: [y, shortcut], outputs: [sum] });
      x = `t${count++}`;
      nodes.push({ op: "Relu", inputs: [sum], outputs: [x] });
      channels = out;
    }
  }
  nodes.push({ op: "GlobalAveragePool", inputs: [x], outputs: ["gap"] });
  nodes.push({ op: "Flatten", inputs: ["gap"], outputs: ["features"], attributes: { axis: 1 } });
  nodes.push({ op: "MatMul", inputs: ["features", param([2048, 1000], Math.sqrt(12 / 2048))], outputs: ["fc"] });
  nodes.push({ op: "Add", inputs: ["fc", param([1000], 0.02)], outputs: ["logits"] });

  return encodeModel({
    name: "resnet50-shaped-random",
    nodes,
    initializers,
    inputs: [{ name: "pixel_values", dims: [1, 3, 224, 224] }],
    outputs: [{ name: "logits", dims: [1, 1000] }],
  });
}

/** @param {Buffer} model @returns {number} float32 parameters in the model (approximate: bytes / 4) */
export const approximateParameters = (model) => Math.round(model.length / 4);
