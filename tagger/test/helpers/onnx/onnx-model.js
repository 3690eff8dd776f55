// Builds ONNX ModelProto bytes from plain descriptions, following onnx.proto field numbers.
// Only what the test and bench models need: float32 tensors, int/ints/float attributes.
import { bytesField, floatField, intField, messageField, stringField } from "./protobuf.js";

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTRIBUTE_TYPE = { float: 1, int: 2, ints: 7 }; // AttributeProto.AttributeType

/**
 * @typedef {{ name: string, dims: number[], data: Float32Array }} Initializer
 * @typedef {number | number[] | { float: number }} AttributeValue
 * @typedef {{ op: string, inputs: string[], outputs: string[], attributes?: Record<string, AttributeValue> }} Node
 * @typedef {{ name: string, dims: number[] }} ValueInfo
 */

/** @param {Initializer} tensor */
function tensorProto({ name, dims, data }) {
  if (data.length !== dims.reduce((a, b) => a * b, 1))
    throw new Error(`${name}: ${data.length} values for dims [${dims}]`);
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength); // little-endian on x64/arm64
  return [...dims.map((d) => intField(1, d)), intField(2, FLOAT), stringField(8, name), bytesField(9, raw)];
}

/** @param {ValueInfo} info */
function valueInfoProto({ name, dims }) {
  const shape = dims.map((d) => messageField(1, [intField(1, d)]));
  const tensorType = messageField(1, [intField(1, FLOAT), messageField(2, shape)]);
  return [stringField(1, name), messageField(2, [tensorType])];
}

/** @param {string} name @param {AttributeValue} value */
function attributeProto(name, value) {
  if (Array.isArray(value))
    return [stringField(1, name), ...value.map((v) => intField(8, v)), intField(20, ATTRIBUTE_TYPE.ints)];
  if (typeof value === "object")
    return [stringField(1, name), floatField(2, value.float), intField(20, ATTRIBUTE_TYPE.float)];
  return [stringField(1, name), intField(3, value), intField(20, ATTRIBUTE_TYPE.int)];
}

/** @param {Node} node @param {number} index */
function nodeProto(node, index) {
  return [
    ...node.inputs.map((i) => stringField(1, i)),
    ...node.outputs.map((o) => stringField(2, o)),
    stringField(3, `${node.op}_${index}`),
    stringField(4, node.op),
    ...Object.entries(node.attributes ?? {}).map(([name, value]) => messageField(5, attributeProto(name, value))),
  ];
}

/**
 * @param {{ name: string, nodes: Node[], initializers: Initializer[], inputs: ValueInfo[], outputs: ValueInfo[],
 *           opset?: number }} graph
 * @returns {Buffer} a serialized ModelProto
 */
export function encodeModel({ name, nodes, initializers, inputs, outputs, opset = 17 }) {
  const graph = [
    ...nodes.map((n, i) => messageField(1, nodeProto(n, i))),
    stringField(2, name),
    ...initializers.map((t) => messageField(5, tensorProto(t))),
    ...inputs.map((v) => messageField(11, valueInfoProto(v))),
    ...outputs.map((v) => messageField(12, valueInfoProto(v))),
  ];
  return Buffer.concat([
    intField(1, 8), // ir_version
    stringField(2, "imagifyai-tagger-tests"),
    messageField(7, graph),
    messageField(8, [stringField(1, ""), intField(2, opset)]),
  ]);
}
