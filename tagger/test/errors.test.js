// Requests the tagger must refuse, and how: problem+json, a clear detail, never a stack trace.
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { solidImage } from "./helpers/images.js";
import { buildColourModel } from "./helpers/onnx/colour-model.js";
import { makeModelDir, startService } from "./helpers/service.js";

/** @type {Awaited<ReturnType<typeof startService>>} */
let service;
before(async () => {
  service = await startService(await makeModelDir({ model: buildColourModel() }), {
    TAGGER_MAX_BODY_BYTES: String(1024 * 1024),
  });
});
after(() => service.stop());

/**
 * @param {Response} res
 * @param {number} status
 * @param {RegExp} detail
 */
async function assertProblem(res, status, detail) {
  assert.equal(res.status, status);
  assert.match(res.headers.get("content-type") ?? "", /^application\/problem\+json/);
  const body = await res.json();
  assert.deepEqual(Object.keys(body).sort(), ["detail", "status", "title", "type"]);
  assert.equal(body.status, status);
  assert.match(body.type, /^urn:imagifyai:tagger:/);
  assert.match(body.detail, detail);
  assert.doesNotMatch(JSON.stringify(body), /\bat .*\.js:\d+|node:internal/, "no stack trace");
  return body;
}

/** @param {BodyInit} body @param {string} contentType */
const post = (body, contentType) =>
  service.fetch("/run", { method: "POST", headers: { "content-type": contentType }, body });

describe("400 for input that is not an image", () => {
  test("garbage bytes", async () => {
    await assertProblem(
      await post(Buffer.from("definitely not an image"), "application/octet-stream"),
      400,
      /not a decodable image/,
    );
  });
  test('garbage bytes inside {"image": [...]}', async () => {
    await assertProblem(
      await post(JSON.stringify({ image: [1, 2, 3, 4, 5] }), "application/json"),
      400,
      /not a decodable image/,
    );
  });
  test("a truncated JPEG", async () => {
    const jpeg = await solidImage("jpeg", [10, 20, 30], { width: 640, height: 480 });
    await assertProblem(await post(jpeg.subarray(0, jpeg.length >> 1), "image/jpeg"), 400, /decod/);
  });
  test("an SVG (decodable, but not a format Workers AI users send)", async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    await assertProblem(await post(svg, "image/svg+xml"), 400, /format "svg" is not accepted/);
  });
  test("an empty body", async () => {
    await assertProblem(await post(Buffer.alloc(0), "application/octet-stream"), 400, /empty/);
  });
});

describe("400 for bad JSON", () => {
  test("not JSON", async () => {
    await assertProblem(await post('{"image": [1, 2', "application/json"), 400, /not valid JSON/);
  });
  test('no "image" array', async () => {
    await assertProblem(await post(JSON.stringify({ img: "abc" }), "application/json"), 400, /"image" array/);
  });
  test("a value that is not a byte", async () => {
    await assertProblem(
      await post(JSON.stringify({ image: [255, 256] }), "application/json"),
      400,
      /image\[1\].*0–255/,
    );
  });
});

describe("other refusals", () => {
  test("413 for a body over the limit (declared Content-Length)", async () => {
    await assertProblem(
      await post(Buffer.alloc(1024 * 1024 + 1), "application/octet-stream"),
      413,
      /exceeds the limit of 1048576 bytes/,
    );
  });
  test("413 for a chunked body that grows over the limit", async () => {
    const { status, body } = await new Promise((resolve, reject) => {
      const req = request(
        `${service.url}/run`,
        { method: "POST", headers: { "content-type": "application/octet-stream" } },
        (res) => {
          let text = "";
          res
            .on("data", (c) => (text += c))
            .on("end", () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
        },
      );
      req.on("error", reject);
      for (let i = 0; i < 20; i++) req.write(Buffer.alloc(64 * 1024)); // 1.25 MiB in chunks
      req.end();
    });
    assert.equal(status, 413);
    assert.equal(body.status, 413);
  });
  test("415 for an unknown content type", async () => {
    await assertProblem(await post("hello", "text/plain"), 415, /Content-Type "text\/plain"/);
  });
  test("405 for GET /run", async () => {
    const res = await service.fetch("/run");
    await assertProblem(res, 405, /GET is not allowed/);
    assert.equal(res.headers.get("allow"), "POST");
  });
  test("404 for an unknown path", async () => {
    await assertProblem(await service.fetch("/nope"), 404, /POST \/run/);
  });
});
