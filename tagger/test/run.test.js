// End-to-end: the service with a tiny colour-prototype model whose answers are known in advance.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { bandedImage, FORMATS, solidImage } from "./helpers/images.js";
import { buildColourModel, expectedRanking, rankingSlack } from "./helpers/onnx/colour-model.js";
import { makeModelDir, startService } from "./helpers/service.js";

const LABELS = JSON.parse(readFileSync(new URL("../labels.json", import.meta.url), "utf8"));

/** Solid colours and the class the colour model must put first for each. */
const COLOURS = {
  TABBY: [195, 135, 15],
  "TIGER CAT": [255, 75, 30],
  "GOLDEN RETRIEVER": [210, 210, 90],
  LAKESIDE: [75, 30, 255],
  "GRANNY SMITH": [0, 255, 75],
};

const MODEL = buildColourModel();
/** @type {Awaited<ReturnType<typeof startService>>} */
let service;

before(async () => {
  service = await startService(await makeModelDir({ model: MODEL }));
});
after(() => service.stop());

/** @param {Uint8Array<ArrayBuffer>} bytes @param {string} contentType */
async function run(bytes, contentType) {
  const res = await service.fetch("/run", { method: "POST", headers: { "content-type": contentType }, body: bytes });
  return { res, body: await res.json() };
}

/** The top 5 the model must give, from the weights, for a colour. @param {number[]} rgb */
function expectedTop5(rgb) {
  return expectedRanking(rgb)
    .slice(0, 5)
    .map(({ index, score }) => ({ label: LABELS[index], score }));
}

/** Mean colour of an encoded image as sharp decodes it (JPEG is a level or so off). @param {Buffer} bytes */
async function decodedColour(bytes) {
  const { channels } = await sharp(bytes).removeAlpha().stats();
  return channels.slice(0, 3).map((c) => c.mean);
}

/** @param {unknown} body @returns {asserts body is { label: string, score: number }[]} */
function assertWorkersAiShape(body) {
  assert.ok(Array.isArray(body), "the answer is an array");
  assert.equal(body.length, 5, "exactly 5 entries");
  for (const entry of body) {
    assert.deepEqual(Object.keys(entry).sort(), ["label", "score"]);
    assert.equal(typeof entry.label, "string");
    assert.ok(entry.label.length > 0 && entry.label === entry.label.toUpperCase(), `upper-case label: ${entry.label}`);
    assert.ok(!entry.label.includes(","), "first synonym only");
    assert.ok(typeof entry.score === "number" && entry.score >= 0 && entry.score <= 1);
  }
  for (let i = 1; i < body.length; i++) assert.ok(body[i - 1].score >= body[i].score, "sorted by score, descending");
}

/** @param {{ label: string, score: number }[]} actual @param {{ label: string, score: number }[]} expected @param {number} tolerance */
function assertTags(actual, expected, tolerance) {
  assert.deepEqual(
    actual.map((t) => t.label),
    expected.map((t) => t.label),
  );
  actual.forEach((t, i) => {
    assert.ok(
      Math.abs(t.score - expected[i].score) <= tolerance,
      `${t.label}: score ${t.score} vs expected ${expected[i].score}`,
    );
  });
}

describe("fixture: the colour model", () => {
  for (const [label, rgb] of Object.entries(COLOURS)) {
    test(`${label} colour ranks ${label} first with room for ±3 levels of colour error`, () => {
      assert.equal(LABELS[expectedRanking(rgb)[0].index], label);
      assert.ok(rankingSlack(rgb, 3) > 0, `slack ${rankingSlack(rgb, 3)}`);
    });
  }
});

describe("POST /run with solid-colour images", () => {
  for (const format of /** @type {(keyof typeof FORMATS)[]} */ (Object.keys(FORMATS))) {
    test(`${format}: expected top 5 for each colour`, async () => {
      for (const [label, rgb] of Object.entries(COLOURS)) {
        const bytes = await solidImage(format, rgb);
        const { res, body } = await run(bytes, `image/${format}`);
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
        assert.equal(
          res.headers.get("x-tagger-model"),
          "resnet-50-onnx",
          "weights present: ResNet-50, not the embedded model",
        );
        assertWorkersAiShape(body);
        assert.equal(body[0].label, label);
        // Labels and order: from the nominal colour (the fixture leaves room for JPEG error).
        // Scores: from the colour as decoded, computed from the weights in float64.
        const decoded = await decodedColour(bytes);
        if (format !== "jpeg") assert.deepEqual(decoded, rgb, "lossless formats keep the colour");
        assert.deepEqual(
          body.map((t) => t.label),
          expectedTop5(rgb).map((t) => t.label),
        );
        assertTags(body, expectedTop5(decoded), 1e-3);
      }
    });
  }

  test('JSON {"image": number[]} gives the same answer as raw bytes', async () => {
    const bytes = await solidImage("png", COLOURS["TIGER CAT"]);
    const raw = await run(bytes, "application/octet-stream");
    const json = await run(Buffer.from(JSON.stringify({ image: [...bytes] })), "application/json");
    assert.equal(json.res.status, 200);
    assert.deepEqual(json.body, raw.body);
    assertTags(json.body, expectedTop5(COLOURS["TIGER CAT"]), 1e-3);
  });

  test("a non-square image is resized on its short edge and centre-cropped", async () => {
    // Left/right quarters are LAKESIDE blue; the 224×224 centre crop sees only the TABBY colour.
    const { res, body } = await run(await bandedImage(COLOURS.TABBY, COLOURS.LAKESIDE), "image/png");
    assert.equal(res.status, 200);
    assertTags(body, expectedTop5(COLOURS.TABBY), 1e-3);
  });

  test("an animated GIF is tagged by its first frame", async () => {
    const frames = await Promise.all(
      [COLOURS.LAKESIDE, COLOURS.TABBY].map((rgb) => solidImage("png", rgb, { width: 64, height: 64 })),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    assert.equal((await sharp(gif).metadata()).pages, 2);
    const { body } = await run(gif, "image/gif");
    assertTags(body, expectedTop5(COLOURS.LAKESIDE), 1e-3);
  });
});

describe("GET /health with a model", () => {
  test("reports the model file and its sha256", async () => {
    const res = await service.fetch("/health");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-tagger-model"), "resnet-50-onnx");
    assert.deepEqual(await res.json(), {
      status: "ok",
      model: {
        name: "resnet-50-onnx",
        id: "microsoft/resnet-50",
        file: "onnx/model.onnx",
        sha256: createHash("sha256").update(MODEL).digest("hex"),
      },
    });
  });
});
