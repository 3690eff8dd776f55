import assert from "node:assert/strict";
import { test } from "node:test";
import sharp from "sharp";
import { imageToTensor, toNormalisedChw } from "../src/image-to-tensor.js";
import { preprocessingFrom, RESNET50_PREPROCESSING, shortestEdgeSize } from "../src/preprocessor.js";
import { softmax, topK } from "../src/top-k.js";

/** microsoft/resnet-50 preprocessor_config.json, as published. */
const RESNET50_CONFIG = {
  crop_pct: 0.875,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.485, 0.456, 0.406],
  image_processor_type: "ConvNextImageProcessor",
  image_std: [0.229, 0.224, 0.225],
  resample: 3,
  rescale_factor: 0.00392156862745098,
  size: { shortest_edge: 224 },
};

test("the defaults equal microsoft/resnet-50's preprocessor config", () => {
  const fromConfig = preprocessingFrom(RESNET50_CONFIG);
  assert.equal(fromConfig.resizeShortestEdge, 256, "224 / 0.875");
  assert.equal(fromConfig.cropSize, 224);
  assert.equal(fromConfig.kernel, "cubic", "resample 3 = bicubic");
  assert.ok(Math.abs(fromConfig.rescale - 1 / 255) < 1e-12);
  assert.deepEqual(fromConfig.mean, RESNET50_PREPROCESSING.mean);
  assert.deepEqual(fromConfig.std, RESNET50_PREPROCESSING.std);
  assert.equal(preprocessingFrom({ ...RESNET50_CONFIG, resample: 2 }).kernel, "linear");
});

test("shortest edge resize keeps the aspect ratio (long side truncated)", () => {
  assert.deepEqual(shortestEdgeSize(400, 200, 256), { width: 512, height: 256 });
  assert.deepEqual(shortestEdgeSize(300, 1000, 256), { width: 256, height: 853 });
  assert.deepEqual(shortestEdgeSize(256, 256, 256), { width: 256, height: 256 });
});

test("pixels become channels-first, rescaled and normalised", () => {
  const rgb = Uint8Array.from([255, 0, 128, 0, 255, 64]); // two pixels
  const out = toNormalisedChw(rgb, 2, RESNET50_PREPROCESSING);
  const expected = [
    (1 - 0.485) / 0.229,
    (0 - 0.485) / 0.229,
    (0 - 0.456) / 0.224,
    (1 - 0.456) / 0.224,
    (128 / 255 - 0.406) / 0.225,
    (64 / 255 - 0.406) / 0.225,
  ];
  for (const [i, v] of expected.entries()) assert.ok(Math.abs(out[i] - v) < 1e-5, `index ${i}: ${out[i]} vs ${v}`);
});

test("a decoded image is a [1,3,224,224] tensor; greyscale and alpha become RGB", async () => {
  const grey = await sharp({
    create: { width: 50, height: 80, channels: 4, background: { r: 100, g: 100, b: 100, alpha: 0.5 } },
  })
    .greyscale()
    .png()
    .toBuffer();
  const { data, dims } = await imageToTensor(grey, RESNET50_PREPROCESSING, { maxInputPixels: 1e6 });
  assert.deepEqual(dims, [1, 3, 224, 224]);
  assert.equal(data.length, 3 * 224 * 224);
  assert.ok(Math.abs(data[0] - (100 / 255 - 0.485) / 0.229) < 1e-5);
  assert.ok(Math.abs(data[2 * 224 * 224] - (100 / 255 - 0.406) / 0.225) < 1e-5);
});

test("images over the pixel limit are refused with 400", async () => {
  const big = await sharp({ create: { width: 2000, height: 1000, channels: 3, background: "white" } })
    .png()
    .toBuffer();
  await assert.rejects(imageToTensor(big, RESNET50_PREPROCESSING, { maxInputPixels: 1_000_000 }), { status: 400 });
});

test("softmax and top 5", () => {
  const scores = softmax([1, 3, 2, 3, 0, -1]);
  assert.ok(Math.abs(scores.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.deepEqual(
    topK(scores, ["a", "b", "c", "d", "e", "f"]).map((t) => t.label),
    ["b", "d", "c", "a", "e"],
    "ties keep class order",
  );
  assert.ok(softmax([1000, 0]).every(Number.isFinite), "large logits do not overflow");
});
