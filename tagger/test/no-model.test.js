// Without usable weights the tagger answers 503 and says how to fix it — it never invents labels.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { solidImage } from "./helpers/images.js";
import { buildColourModel } from "./helpers/onnx/colour-model.js";
import { makeModelDir, startService } from "./helpers/service.js";

/** @param {Awaited<ReturnType<typeof startService>>} service */
async function postImage(service) {
  return service.fetch("/run", {
    method: "POST",
    headers: { "content-type": "image/png" },
    body: await solidImage("png", [1, 2, 3]),
  });
}

test("no model: /health says no-model, /run answers 503 naming `npm run model:fetch`", async (t) => {
  const service = await startService(await makeModelDir());
  t.after(() => service.stop());

  const health = await (await service.fetch("/health")).json();
  assert.equal(health.status, "no-model");
  assert.equal(health.model, null);
  assert.match(health.reason, /weights are missing.*npm run model:fetch/);

  const res = await postImage(service);
  assert.equal(res.status, 503);
  assert.match(res.headers.get("content-type") ?? "", /^application\/problem\+json/);
  const problem = await res.json();
  assert.equal(problem.type, "urn:imagifyai:tagger:model-unavailable");
  assert.match(problem.detail, /weights are missing.*npm run model:fetch/);
});

test("weights added while running are picked up without a restart", async (t) => {
  const dir = await makeModelDir();
  const service = await startService(dir);
  t.after(() => service.stop());
  assert.equal((await postImage(service)).status, 503);

  await mkdir(path.join(dir, "onnx"));
  await writeFile(path.join(dir, "onnx", "model.onnx"), buildColourModel());
  assert.equal((await postImage(service)).status, 200);
  assert.equal((await (await service.fetch("/health")).json()).status, "ok");
});

test("a corrupt model file: no-model with the reason", async (t) => {
  const service = await startService(await makeModelDir({ model: Buffer.from("this is not an onnx model") }));
  t.after(() => service.stop());
  const health = await (await service.fetch("/health")).json();
  assert.equal(health.status, "no-model");
  assert.match(health.reason, /could not be loaded/);
  assert.equal((await postImage(service)).status, 503);
});

test("a model whose sha256 differs from its fetch receipt is refused", async (t) => {
  const model = buildColourModel();
  const wrong = createHash("sha256").update("something else").digest("hex");
  const dir = await makeModelDir({
    model,
    files: { "fetch-receipt.json": { files: { "onnx/model.onnx": { sha256: wrong } } } },
  });
  const service = await startService(dir);
  t.after(() => service.stop());
  const health = await (await service.fetch("/health")).json();
  assert.equal(health.status, "no-model");
  assert.match(health.reason, /does not match its recorded sha256/);
});

test("a model with the wrong number of classes is refused", async (t) => {
  // labels from config.json: 3 classes, but the model outputs 1000 logits
  const files = { "config.json": { id2label: { 0: "a", 1: "b", 2: "c" } } };
  const service = await startService(await makeModelDir({ model: buildColourModel(), files }));
  t.after(() => service.stop());
  const health = await (await service.fetch("/health")).json();
  assert.equal(health.status, "no-model");
  assert.match(health.reason, /outputs 1000 logits but there are 3 labels/);
});
