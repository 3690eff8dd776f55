/**
 * @typedef {{ classIndex: number, score: number }} Detection
 * @typedef {{ label: string, score: number }} Tag
 */

/**
 * Detections → the Workers AI answer: one entry per class (its best detection), only scores of at
 * least `minScore`, highest first (ties: lower class index first), at most `k`.
 * @param {Iterable<Detection>} detections
 * @param {readonly string[]} labels
 * @param {number} minScore
 * @param {number} [k]
 * @returns {Tag[]}
 */
export function detectionsToTags(detections, labels, minScore, k = 5) {
  /** @type {Map<number, number>} */
  const best = new Map();
  for (const { classIndex, score } of detections) {
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= labels.length) continue;
    if (!(score >= minScore)) continue;
    if (score > (best.get(classIndex) ?? -1)) best.set(classIndex, score);
  }
  return [...best]
    .sort(([a, sa], [b, sb]) => sb - sa || a - b)
    .slice(0, k)
    .map(([classIndex, score]) => ({ label: labels[classIndex], score }));
}
