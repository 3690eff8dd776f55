import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { COCO_LABELS } from "../src/coco-labels.js";
import { DEFAULT_EMBEDDED_MODEL_DIR } from "../src/config.js";
import { detectionsToTags } from "../src/detections.js";

test("detections → one tag per class (its best score), above the threshold, sorted, at most 5", () => {
  const labels = ["A", "B", "C", "D", "E", "F", "G"];
  const detections = [
    { classIndex: 1, score: 0.5 },
    { classIndex: 1, score: 0.9 },
    { classIndex: 0, score: 0.39 },
    { classIndex: 2, score: 0.6 },
    { classIndex: 3, score: 0.6 },
    { classIndex: 4, score: 0.41 },
    { classIndex: 5, score: 0.45 },
    { classIndex: 6, score: 0.42 },
    { classIndex: 7, score: 0.99 },
    { classIndex: Number.NaN, score: 0.99 },
    { classIndex: 2, score: Number.NaN },
  ];
  assert.deepEqual(detectionsToTags(detections, labels, 0.4), [
    { label: "B", score: 0.9 },
    { label: "C", score: 0.6 },
    { label: "D", score: 0.6 },
    { label: "F", score: 0.45 },
    { label: "G", score: 0.42 },
  ]);
  assert.deepEqual(detectionsToTags(detections, labels, 0.95), []);
});

test("COCO labels: the 80 classes of the model's package, in its order, upper-cased", async () => {
  // @vladmandic/human ships its TypeScript sources: src/object/labels.ts lists { class, label } in index order.
  const source = await readFile(path.join(DEFAULT_EMBEDDED_MODEL_DIR, "..", "src", "object", "labels.ts"), "utf8");
  const names = [...source.matchAll(/label: '([^']+)'/g)].map((m) => m[1].toUpperCase());
  assert.equal(names.length, 80);
  assert.deepEqual([...COCO_LABELS], names);
  assert.equal(COCO_LABELS[0], "PERSON");
  assert.equal(COCO_LABELS[3], "MOTORCYCLE");
  assert.equal(COCO_LABELS[41], "CUP");
});
