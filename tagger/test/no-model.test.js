// Without usable ResNet-50 weights the embedded CenterNet answers and /health says why; weights that
// appear later take over without a restart. With neither model the tagger answers 503 and says how to
// fix it — it never invents labels.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { solidImage } from "./helpers/images.js";
import { buildColourModel } from "./helpers/onnx/colour-model.js";
import { readPhoto } from "./helpers/photos.js";
import { makeModelDir, startService } from "./helpers/service.js";

/** @param {Awaited<ReturnType<typeof startService>>} service @param {Uint8Array<ArrayBuffer>} [body] */
async function postImage(service, body) {
  return service.fetch("/run", {
    method: "POST",
    headers: { "content-type": "image/png" },
    body: body ?? (await solidImage("png", [195, 135, 15])),
  });
}

/** @param {Awaited<ReturnType<typeof startService>>} service */
async function health(service) {
  return (await service.fetch("/health")).json();
}

/** @param {Response} res @param {RegExp} detail */
async function assertModelUnavailable(res, detail) {
  assert.equal(res.status, 503);
  assert.match(res.headers.get("content-type") ?? "", /^application\/problem\+json/);
  assert.equal(res.headers.get("x-tagger-model"), null);
  const problem = await res.json();
  assert.equal(problem.type, "urn:imagifyai:tagger:model-unavailable");
  assert.match(problem.detail, detail);
}

test("no weights: the embedded model answers; /health names it and says `npm run model:fetch`", async (t) => {
  const service = await startService(await makeModelDir());
  t.after(() => service.stop());

  const state = await health(service);
  assert.equal(state.status, "ok");
  assert.equal(state.model.name, "centernet-coco80");
  assert.match(state.reason, /ResNet-50 weights are missing.*npm run model:fetch/);

  const res = await postImage(service, await readPhoto("astronaut.png"));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-tagger-model"), "centernet-coco80");
  assert.equal((await res.json())[0].label, "PERSON");
});

test("weights added while running take over from the embedded model without a restart", async (t) => {
  const dir = await makeModelDir();
  const service = await startService(dir);
  t.after(() => service.stop());
  const before = await postImage(service);
  assert.equal(before.status, 200);
  assert.equal(before.headers.get("x-tagger-model"), "centernet-coco80");
  assert.ok(!(await before.json()).some((/** @type {any} */ t) => t.label === "TABBY"), "COCO has no TABBY");

  await mkdir(path.join(dir, "onnx"));
  await writeFile(path.join(dir, "onnx", "model.onnx"), buildColourModel());
  const after = await postImage(service);
  assert.equal(after.status, 200);
  assert.equal(after.headers.get("x-tagger-model"), "resnet-50-onnx");
  assert.equal((await after.json())[0].label, "TABBY", "the colour model's answer for this colour");
  const state = await health(service);
  assert.equal(state.model.name, "resnet-50-onnx");
  assert.equal(state.reason, undefined);

  const photo = await postImage(service, await readPhoto("astronaut.png"));
  assert.equal(photo.headers.get("x-tagger-model"), "resnet-50-onnx", "no way back to the embedded model");
});

test("requests in flight while the weights arrive all get an answer, each from the model it names", async (t) => {
  const dir = await makeModelDir();
  const service = await startService(dir);
  t.after(() => service.stop());
  const photo = await readPhoto("coffee.png");
  // Three at once: by the time the first answers, the other two are queued on the embedded model.
  const early = [0, 1, 2].map(() => postImage(service, photo));
  const first = await early[0];
  await mkdir(path.join(dir, "onnx"));
  await writeFile(path.join(dir, "onnx", "model.onnx"), buildColourModel());
  const requests = [first, ...early.slice(1), ...[0, 1, 2].map(() => postImage(service, photo))];
  const labels = JSON.parse(await readFile(new URL("../labels.json", import.meta.url), "utf8"));
  for (const res of await Promise.all(requests)) {
    assert.equal(res.status, 200);
    const body = await res.json();
    const model = res.headers.get("x-tagger-model");
    if (model === "centernet-coco80") assert.equal(body[0].label, "CUP");
    else {
      assert.equal(model, "resnet-50-onnx");
      assert.equal(body.length, 5);
      assert.ok(
        body.every((/** @type {any} */ tag) => labels.includes(tag.label)),
        "ImageNet labels",
      );
    }
  }
  assert.equal((await postImage(service, photo)).headers.get("x-tagger-model"), "resnet-50-onnx");
});

test("a corrupt model file: the embedded model answers, /health gives the reason", async (t) => {
  const service = await startService(await makeModelDir({ model: Buffer.from("this is not an onnx model") }));
  t.after(() => service.stop());
  const state = await health(service);
  assert.equal(state.model.name, "centernet-coco80");
  assert.match(state.reason, /could not be loaded/);
  assert.equal((await postImage(service)).headers.get("x-tagger-model"), "centernet-coco80");
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
  const state = await health(service);
  assert.equal(state.model.name, "centernet-coco80");
  assert.match(state.reason, /does not match its recorded sha256/);
});

test("a model with the wrong number of classes is refused", async (t) => {
  // labels from config.json: 3 classes, but the model outputs 1000 logits
  const files = { "config.json": { id2label: { 0: "a", 1: "b", 2: "c" } } };
  const service = await startService(await makeModelDir({ model: buildColourModel(), files }));
  t.after(() => service.stop());
  const state = await health(service);
  assert.equal(state.model.name, "centernet-coco80");
  assert.match(state.reason, /outputs 1000 logits but there are 3 labels/);
});

test("neither model loads (embedded files missing): 503 naming both reasons", async (t) => {
  const noEmbedded = await mkdtemp(path.join(os.tmpdir(), "tagger-no-embedded-"));
  const service = await startService(await makeModelDir(), { TAGGER_EMBEDDED_MODEL_DIR: noEmbedded });
  t.after(() => service.stop());
  const state = await health(service);
  assert.equal(state.status, "no-model");
  assert.equal(state.model, null);
  assert.match(state.reason, /weights are missing.*npm run model:fetch.*embedded CenterNet model could not be loaded/);
  await assertModelUnavailable(await postImage(service), /npm run model:fetch.*embedded CenterNet/);
});

test("TAGGER_EMBEDDED_MODEL=off: 503 until the weights are there, then ResNet-50", async (t) => {
  const dir = await makeModelDir();
  const service = await startService(dir, { TAGGER_EMBEDDED_MODEL: "off" });
  t.after(() => service.stop());
  assert.equal((await health(service)).status, "no-model");
  await assertModelUnavailable(await postImage(service), /weights are missing.*npm run model:fetch.*turned off/);

  await mkdir(path.join(dir, "onnx"));
  await writeFile(path.join(dir, "onnx", "model.onnx"), buildColourModel());
  const res = await postImage(service);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-tagger-model"), "resnet-50-onnx");
  assert.equal((await health(service)).status, "ok");
});
