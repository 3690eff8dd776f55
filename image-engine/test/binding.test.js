// binding.ts (the Worker-side client) against the running engine: the ImagesBinding interface, its results
// and the errors calling code depends on (ImagesError `.code`, a plain Error when the engine is down).
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import sharp from "sharp";
import { DEFAULT_LIMITS } from "../src/engine.js";
import { startImageEngine } from "../src/start.js";
import { importBinding, typecheckBinding } from "./helpers/binding.js";
import { difference, size } from "./helpers/images.js";
import { photo } from "./helpers/photos.js";

/** @type {Awaited<ReturnType<typeof startImageEngine>>} */ let engine;
/** @type {any} */ let IMAGES;
/** @type {(baseUrl: string, fetcher?: { fetch: typeof fetch }) => any} */ let localImagesBinding;
/** @type {Buffer<ArrayBuffer>} */ let cat;

before(async () => {
  cat = await photo("chelsea.png");
  engine = await startImageEngine({
    host: "127.0.0.1",
    port: 0,
    maxBodyBytes: 64 * 1024 * 1024,
    concurrency: 2,
    maxQueue: 8,
    limits: { ...DEFAULT_LIMITS },
  });
  ({ localImagesBinding } = await importBinding());
  IMAGES = localImagesBinding(engine.url);
});
after(() => engine.close());

/** A fresh stream of the bytes, as a Worker gets from R2 or a request. @param {Uint8Array<ArrayBuffer>} bytes */
const stream = (bytes) => new Blob([bytes]).stream();
/** @param {ReadableStream} body */
const collect = async (body) => Buffer.from(await new Response(body).arrayBuffer());

/** What the app's renditionFailure() does with an error: 422 for ImagesError 9400–9499, else 503. @param {unknown} error */
const appStatus = (error) => {
  const code = /** @type {any} */ (error)?.code;
  return typeof code === "number" && code >= 9400 && code < 9500 ? 422 : 503;
};

test("binding.ts type-checks under the repository's strict settings", async () => {
  assert.deepEqual(await typecheckBinding(), []);
});

test("info() reports format, file size and shown size", async () => {
  assert.deepEqual(await IMAGES.info(stream(cat)), {
    format: "image/png",
    fileSize: cat.length,
    width: 451,
    height: 300,
  });
});

test("input().transform().draw().output(): the result's bytes, content type and Response", async () => {
  // Over a plain ArrayBuffer, as a Blob part must be: sharp 0.34's typings say any ArrayBufferLike (0.35's do not)
  const badge = /** @type {Buffer<ArrayBuffer>} */ (
    await sharp({ create: { width: 64, height: 64, channels: 4, background: "#ff0000" } })
      .png()
      .toBuffer()
  );
  const result = await IMAGES.input(stream(cat))
    .transform({ width: 200 })
    .draw(IMAGES.input(stream(badge)).transform({ width: 16, height: 16, fit: "squeeze" }), { top: 0, left: 0 })
    .output({ format: "image/png" });
  assert.equal(result.contentType(), "image/png");
  const response = result.response();
  assert.equal(response.headers.get("content-type"), "image/png");
  const bytes = Buffer.from(await response.arrayBuffer());
  assert.deepEqual(await size(bytes), { width: 200, height: 133 });
  const { data } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([...data.subarray(0, 3)], [255, 0, 0]);
  const plain = await (
    await IMAGES.input(stream(cat)).transform({ width: 200 }).output({ format: "image/png" })
  ).image();
  assert.ok((await difference(await collect(plain), await sharp(cat).resize(200).png().toBuffer())) < 1);
});

test("quality and format reach the engine", async () => {
  const bytes = async (/** @type {number} */ quality) =>
    (await collect((await IMAGES.input(stream(cat)).output({ format: "image/webp", quality })).image())).length;
  assert.ok((await bytes(20)) < (await bytes(95)));
});

test("a non-image fails with ImagesError code 9412, which the app maps to 422", async () => {
  const html = Buffer.from("<!doctype html><p>not an image</p>");
  const error = await IMAGES.input(stream(html))
    .transform({ width: 10 })
    .output({ format: "image/webp" })
    .catch((/** @type {unknown} */ e) => e);
  assert.equal(error.code, 9412);
  assert.match(error.message, /^IMAGES_TRANSFORM_ERROR 9412: /);
  assert.equal(appStatus(error), 422);
  assert.equal((await IMAGES.info(stream(html)).catch((/** @type {unknown} */ e) => e)).code, 9412);
  const badOption = await IMAGES.input(stream(cat))
    .transform({ rotate: 45 })
    .output({ format: "image/png" })
    .catch((/** @type {unknown} */ e) => e);
  assert.equal(badOption.code, 9401);
});

test("a transformer is used once: output() or draw() again is 9525", async () => {
  const transformer = IMAGES.input(stream(cat));
  await transformer.output({ format: "image/png" });
  assert.throws(
    () => IMAGES.input(stream(cat)).draw(transformer),
    (e) => /** @type {any} */ (e).code === 9525,
  );
  await assert.rejects(transformer.output({ format: "image/png" }), (e) => /** @type {any} */ (e).code === 9525);
});

test("an engine that cannot be reached is a plain Error without code (the app answers 503)", async () => {
  const closed = http.createServer();
  await new Promise((resolve) => closed.listen(0, "127.0.0.1", () => resolve(undefined)));
  const { port } = /** @type {import("node:net").AddressInfo} */ (closed.address());
  await new Promise((resolve) => closed.close(() => resolve(undefined)));
  const down = localImagesBinding(`http://127.0.0.1:${port}`);
  const error = await down
    .input(stream(cat))
    .output({ format: "image/png" })
    .catch((/** @type {unknown} */ e) => e);
  assert.ok(error instanceof Error);
  assert.equal("code" in error ? error.code : undefined, undefined);
  assert.match(error.message, /unreachable/);
  assert.equal(appStatus(error), 503);
});

test("base64 input and output encodings; a custom fetcher; hosted is not supported", async () => {
  const b64 = new Blob([cat.toString("base64")]).stream();
  assert.equal((await IMAGES.info(b64, { encoding: "base64" })).width, 451);
  let calls = 0;
  const counted = localImagesBinding(`${engine.url}/`, {
    fetch: (...args) => {
      calls++;
      return fetch(...args);
    },
  });
  const result = await counted
    .input(new Blob([cat.toString("base64")]).stream(), { encoding: "base64" })
    .transform({ width: 50 })
    .output({ format: "image/png" });
  const text = (await collect(result.image({ encoding: "base64" }))).toString("latin1");
  assert.deepEqual(await size(Buffer.from(text, "base64")), { width: 50, height: 33 });
  assert.equal(calls, 1);
  await assert.rejects(IMAGES.hosted.list(), /not supported by the local image engine/);
});
