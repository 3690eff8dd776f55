/**
 * Softmax over logits (computed in float64, max-subtracted for stability).
 * @param {ArrayLike<number>} logits
 * @returns {Float64Array}
 */
export function softmax(logits) {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/**
 * The k highest scores with their labels, highest first (ties: lower class index first) —
 * the Workers AI resnet-50 output shape.
 * @param {ArrayLike<number>} scores
 * @param {string[]} labels
 * @param {number} [k]
 * @returns {{ label: string, score: number }[]}
 */
export function topK(scores, labels, k = 5) {
  const indices = Array.from({ length: scores.length }, (_, i) => i);
  indices.sort((a, b) => scores[b] - scores[a] || a - b);
  return indices.slice(0, k).map((i) => ({ label: labels[i], score: scores[i] }));
}
