// A minimal protobuf encoder: just the wire types ONNX models need (varint, length-delimited,
// 32-bit float). Each helper returns the bytes of one field, ready to concatenate.

/**
 * @param {number | bigint} value  int64; negatives are encoded as 10-byte two's complement
 * @returns {Buffer}
 */
export function varint(value) {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0n);
  return Buffer.from(bytes);
}

/** @param {number} field @param {number} wireType */
const key = (field, wireType) => varint((field << 3) | wireType);

/** @param {number} field @param {number | bigint} value */
export const intField = (field, value) => Buffer.concat([key(field, 0), varint(value)]);

/** @param {number} field @param {Uint8Array} bytes */
export const bytesField = (field, bytes) => Buffer.concat([key(field, 2), varint(bytes.length), bytes]);

/** @param {number} field @param {string} text */
export const stringField = (field, text) => bytesField(field, Buffer.from(text, "utf8"));

/** @param {number} field @param {Uint8Array[]} parts  the already-encoded fields of the sub-message */
export const messageField = (field, parts) => bytesField(field, Buffer.concat(parts));

/** @param {number} field @param {number} value */
export function floatField(field, value) {
  const bytes = Buffer.alloc(4);
  bytes.writeFloatLE(value);
  return Buffer.concat([key(field, 5), bytes]);
}
