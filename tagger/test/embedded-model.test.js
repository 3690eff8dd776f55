// The embedded CenterNet model on real photos (scikit-image's sample photos, see scripts/fetch-test-photos.js):
// what the tagger answers when the ResNet-50 weights are absent.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { COCO_LABELS } from "../src/coco-labels.js";
import { readPhoto } from "./helpers/photos.js";
import { makeModelDir, startService } from "./helpers/service.js";

const DEFAULT_MIN_SCORE = 0.4;

/** @type {Awaited<ReturnType<typeof startService>>} */
let service;
before(async () => {
  service = await startService(await makeModelDir());
});
after(() => service.stop());

/**
 * @param {Awaited<ReturnType<typeof startService>>} on
 * @param {Uint8Array<ArrayBuffer> | string} body
 * @param {string} contentType
 */
async function run(on, body, contentType) {
  const res = await on.fetch("/run", { method: "POST", headers: { "content-type": contentType }, body });
  return { res, body: await res.json() };
}

/** Workers AI shape, COCO names, one entry per class, sorted, none below the threshold. */
function assertDetectorAnswer(/** @type {unknown} */ body, /** @type {number} */ minScore) {
  assert.ok(Array.isArray(body), "the answer is an array");
  assert.ok(body.length <= 5, `at most 5 entries, got ${body.length}`);
  for (const entry of body) {
    assert.deepEqual(Object.keys(entry).sort(), ["label", "score"]);
    assert.ok(COCO_LABELS.includes(entry.label), `a COCO class in upper case: ${entry.label}`);
    assert.ok(entry.score >= minScore && entry.score <= 1, `${entry.label}: ${entry.score}`);
  }
  assert.equal(new Set(body.map((t) => t.label)).size, body.length, "one entry per class");
  for (let i = 1; i < body.length; i++) assert.ok(body[i - 1].score >= body[i].score, "sorted by score, descending");
}

describe("real photos, top label", () => {
  for (const [photo, label] of /** @type {const} */ ([
    ["astronaut.png", "PERSON"],
    ["coffee.png", "CUP"],
    ["motorcycle_left.png", "MOTORCYCLE"],
  ])) {
    test(`${photo} → ${label}`, async () => {
      const { res, body } = await run(service, await readPhoto(photo), "image/png");
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(res.headers.get("x-tagger-model"), "centernet-coco80");
      assertDetectorAnswer(body, DEFAULT_MIN_SCORE);
      assert.equal(body[0]?.label, label, JSON.stringify(body));
    });
  }
});

test("a photo with no COCO object clears no threshold: rocket.jpg → []", async () => {
  const { res, body } = await run(service, await readPhoto("rocket.jpg"), "image/jpeg");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-tagger-model"), "centernet-coco80");
  assert.deepEqual(body, []);
});

test('JSON {"image": number[]} gives the same answer as raw bytes', async () => {
  const bytes = await readPhoto("coffee.png");
  const raw = await run(service, bytes, "application/octet-stream");
  const json = await run(service, JSON.stringify({ image: [...bytes] }), "application/json");
  assert.equal(json.res.status, 200);
  assert.equal(json.res.headers.get("x-tagger-model"), "centernet-coco80");
  assert.deepEqual(json.body, raw.body);
});

test("bytes that are not an image are refused the same way as with ResNet-50", async () => {
  const { res, body } = await run(service, "not an image", "application/octet-stream");
  assert.equal(res.status, 400);
  assert.equal(res.headers.get("x-tagger-model"), null, "no model answered");
  assert.match(body.detail, /not a decodable image/);
});

test("GET /health names the embedded model and why ResNet-50 is not in use", async () => {
  const res = await service.fetch("/health");
  const health = await res.json();
  assert.equal(res.headers.get("x-tagger-model"), "centernet-coco80");
  assert.equal(health.status, "ok");
  assert.equal(health.model.name, "centernet-coco80");
  assert.match(health.model.sha256, /^[0-9a-f]{64}$/);
  assert.match(health.reason, /ResNet-50 weights are missing.*npm run model:fetch/);
});

describe("TAGGER_MIN_DETECTION_SCORE", () => {
  test("lower: more classes, still at most 5, one per class", async (t) => {
    const low = await startService(await makeModelDir(), { TAGGER_MIN_DETECTION_SCORE: "0.1" });
    t.after(() => low.stop());
    const { body } = await run(low, await readPhoto("motorcycle_left.png"), "image/png");
    assertDetectorAnswer(body, 0.1);
    assert.ok(body.length > 1, JSON.stringify(body));
    assert.equal(body[0].label, "MOTORCYCLE");
    assert.ok(body.slice(1).every((/** @type {any} */ t) => t.score < DEFAULT_MIN_SCORE));
  });
  test("higher than any detection: an empty answer", async (t) => {
    const high = await startService(await makeModelDir(), { TAGGER_MIN_DETECTION_SCORE: "0.95" });
    t.after(() => high.stop());
    const { res, body } = await run(high, await readPhoto("astronaut.png"), "image/png");
    assert.equal(res.status, 200);
    assert.deepEqual(body, []);
  });
});
