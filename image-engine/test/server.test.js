// The HTTP server end to end: the wire format workerd's binding speaks (multipart, indexed transforms).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { DEFAULT_LIMITS } from "../src/engine.js";
import { startImageEngine } from "../src/start.js";
import { difference, size } from "./helpers/images.js";
import { photo } from "./helpers/photos.js";

/** @type {Awaited<ReturnType<typeof startImageEngine>>} */ let engine;
/** @type {Buffer<ArrayBuffer>} */ let cat;

before(async () => {
  cat = await photo("chelsea.png");
  engine = await startImageEngine({
    host: "127.0.0.1",
    port: 0,
    maxBodyBytes: 4 * 1024 * 1024,
    concurrency: 2,
    maxQueue: 8,
    limits: { ...DEFAULT_LIMITS },
  });
});
after(() => engine.close());

/** @param {Record<string, string | Uint8Array<ArrayBuffer> | Uint8Array<ArrayBuffer>[]>} fields */
function form(fields) {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    for (const part of Array.isArray(value) ? value : [value]) {
      body.append(name, typeof part === "string" ? part : new Blob([part]));
    }
  }
  return body;
}

test("GET /health answers ok with versions and limits", async () => {
  const res = await fetch(`${engine.url}/health`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.status, "ok");
  assert.equal(body.limits.maxInputPixels, 100_000_000);
  assert.ok(body.versions.sharp && body.versions["libheif-js"]);
});

test("POST /info takes the raw file or a multipart `image`", async () => {
  const raw = await (await fetch(`${engine.url}/info`, { method: "POST", body: cat })).json();
  assert.deepEqual(raw, { format: "image/png", fileSize: cat.length, file_size: cat.length, width: 451, height: 300 });
  const multipart = await (await fetch(`${engine.url}/info`, { method: "POST", body: form({ image: cat }) })).json();
  assert.equal(multipart.width, 451);
});

test("POST /transform: input, a drawn image with its own transform, output format and quality", async () => {
  // Over a plain ArrayBuffer, as a Blob part must be: sharp 0.34's typings say any ArrayBufferLike (0.35's do not)
  const badge = /** @type {Buffer<ArrayBuffer>} */ (
    await sharp({ create: { width: 64, height: 64, channels: 4, background: "#ff0000" } })
      .png()
      .toBuffer()
  );
  const transforms = [
    { imageIndex: 0, width: 200 },
    { imageIndex: 1, width: 16, height: 16, fit: "squeeze" },
    { drawImageIndex: 1, targetImageIndex: 0, top: 0, left: 0 },
  ];
  const res = await fetch(`${engine.url}/transform`, {
    method: "POST",
    body: form({ image: cat, draw_image: [badge], transforms: JSON.stringify(transforms), output_format: "image/png" }),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "image/png");
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.deepEqual(await size(bytes), { width: 200, height: 133 });
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([...data.subarray(0, 3)], [255, 0, 0], "badge at the top-left corner");
  const below = (20 * info.width + 20) * info.channels;
  assert.notDeepEqual([...data.subarray(below, below + 3)], [255, 0, 0], "and only 16×16 of it");
  // quality reaches the encoder
  const webp = async (/** @type {string} */ q) =>
    (
      await (
        await fetch(`${engine.url}/transform`, {
          method: "POST",
          body: form({ image: cat, output_format: "image/webp", output_quality: q }),
        })
      ).arrayBuffer()
    ).byteLength;
  assert.ok((await webp("20")) < (await webp("95")));
  // transforms without imageIndex (bindings that predate draw()) apply to the input
  const legacy = await fetch(`${engine.url}/transform`, {
    method: "POST",
    body: form({ image: cat, transforms: JSON.stringify([{ rotate: 90 }]), output_format: "image/png" }),
  });
  const rotated = Buffer.from(await legacy.arrayBuffer());
  assert.ok((await difference(rotated, await sharp(cat).rotate(90).png().toBuffer())) < 0.5);
});

test("errors: JSON { code, message }, Cloudflare's status and the cf-images-binding header", async () => {
  const cases = [
    { body: form({ image: Buffer.from("<html>login</html>"), output_format: "image/png" }), status: 415, code: 9412 },
    { body: form({ image: cat, transforms: "{not json", output_format: "image/png" }), status: 400, code: 9401 },
    { body: form({ image: cat, transforms: "[]" }), status: 400, code: 9401 },
    {
      body: form({
        image: cat,
        transforms: JSON.stringify([{ imageIndex: 0, fit: "stretch" }]),
        output_format: "image/png",
      }),
      status: 400,
      code: 9401,
    },
    { body: "plain text", status: 400, code: 9401 },
  ];
  for (const { body, status, code } of cases) {
    const res = await fetch(`${engine.url}/transform`, { method: "POST", body });
    assert.equal(res.status, status);
    assert.equal(res.headers.get("cf-images-binding"), `err=${code}`);
    const json = await res.json();
    assert.equal(json.code, code);
    assert.equal(typeof json.message, "string");
  }
});

test("a body over the limit is 413 / 9402; unknown routes and methods carry no Cloudflare code", async () => {
  const big = await fetch(`${engine.url}/transform`, { method: "POST", body: new Uint8Array(5 * 1024 * 1024) });
  assert.equal(big.status, 413);
  assert.equal(big.headers.get("cf-images-binding"), "err=9402");
  const missing = await fetch(`${engine.url}/resize`, { method: "POST", body: cat });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get("cf-images-binding"), null);
  const wrongMethod = await fetch(`${engine.url}/transform`);
  assert.equal(wrongMethod.status, 405);
});

test("`node src/server.js` starts on IMAGE_ENGINE_PORT, serves, and stops on SIGTERM", async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL("../src/server.js", import.meta.url))], {
    env: { ...process.env, IMAGE_ENGINE_PORT: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let out = "";
  const url = await new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(/listening on (http:\/\/\S+)/);
      if (match) resolve(match[1]);
    });
    exited.then((code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  assert.equal((await fetch(`${url}/health`)).status, 200);
  child.kill("SIGTERM");
  assert.equal(await exited, 0);
});
