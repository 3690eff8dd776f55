import assert from "node:assert/strict";
import { test } from "node:test";
import { labelMismatches, labelsFromId2Label, readBundledLabels, toWorkersAiLabel } from "../src/labels.js";
import { solidImage } from "./helpers/images.js";
import { buildColourModel } from "./helpers/onnx/colour-model.js";
import { makeModelDir, startService } from "./helpers/service.js";

test("Workers AI label convention: first synonym, upper-case", () => {
  assert.equal(toWorkersAiLabel("tabby, tabby cat"), "TABBY");
  assert.equal(toWorkersAiLabel("tiger cat"), "TIGER CAT");
  assert.equal(toWorkersAiLabel("golden retriever"), "GOLDEN RETRIEVER");
  assert.equal(toWorkersAiLabel("potter's wheel"), "POTTER'S WHEEL");
});

test("labels.json: 1000 classes in logit order, in Workers AI form", async () => {
  const labels = await readBundledLabels();
  assert.equal(labels.length, 1000);
  assert.equal(labels[0], "TENCH");
  assert.equal(labels[207], "GOLDEN RETRIEVER");
  assert.equal(labels[281], "TABBY");
  assert.equal(labels[282], "TIGER CAT");
  assert.equal(labels[999], "TOILET TISSUE");
  for (const label of labels)
    assert.ok(label === label.toUpperCase() && !label.includes(",") && label.trim() === label);
});

test("id2label from a Hugging Face config.json is converted the same way, in index order", () => {
  const config = { id2label: { 1: "tiger cat", 0: "tabby, tabby cat", 2: "golden retriever" } };
  assert.deepEqual(labelsFromId2Label(config), ["TABBY", "TIGER CAT", "GOLDEN RETRIEVER"]);
  assert.equal(labelsFromId2Label({}), null);
  assert.equal(labelsFromId2Label({ id2label: { 0: "a", 2: "c" } }), null, "gaps are not usable");
  assert.deepEqual(labelMismatches(["A", "B"], ["A", "C", "D"]), [1, 2]);
});

test("a model folder's config.json id2label is used for the answer", async (t) => {
  const bundled = await readBundledLabels();
  // the real microsoft/resnet-50 id2label style: "tabby, tabby cat"; every other class renamed
  const id2label = Object.fromEntries(
    bundled.map((_, i) => [i, i === 281 ? "tabby, tabby cat" : `class ${i}, synonym`]),
  );
  const service = await startService(
    await makeModelDir({ model: buildColourModel(), files: { "config.json": { id2label } } }),
  );
  t.after(() => service.stop());
  const res = await service.fetch("/run", {
    method: "POST",
    headers: { "content-type": "image/png" },
    body: await solidImage("png", [195, 135, 15]),
  });
  const body = await res.json();
  assert.equal(body[0].label, "TABBY");
  assert.match(body[1].label, /^CLASS \d+$/);
});
