// `npm run model:fetch` against a local stand-in for huggingface.co (no internet needed).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const SCRIPT = fileURLToPath(new URL("../scripts/fetch-model.js", import.meta.url));
const COMMIT = "c0ffee0000000000000000000000000000000000";
const sha256 = (/** @type {string | Buffer} */ bytes) => createHash("sha256").update(bytes).digest("hex");

/** What the fake hub serves; tests change it to simulate tampering. @type {Record<string, Buffer>} */
let files;
/** @type {http.Server} */
let hub;
let hubUrl = "";
/** @type {string} */
let work;

before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "tagger-fetch-"));
  hub = http.createServer((req, res) => {
    // /Xenova/resnet-50/resolve/<rev>/<file>: small files directly, .onnx via a CDN redirect (like the hub)
    const resolve = req.url?.match(/^\/Xenova\/resnet-50\/resolve\/[^/]+\/(.+)$/);
    const cdn = req.url?.match(/^\/cdn\/(.+)$/);
    const name = resolve?.[1] ?? cdn?.[1];
    const body = name ? files[name] : undefined;
    if (!body) return res.writeHead(404).end("not found");
    if (resolve && name?.endsWith(".onnx")) {
      return res
        .writeHead(302, { location: `/cdn/${name}`, "x-repo-commit": COMMIT, "x-linked-etag": `"${sha256(body)}"` })
        .end();
    }
    res.writeHead(200, { "content-length": body.length, "x-repo-commit": COMMIT }).end(body);
  });
  await new Promise((resolve) => hub.listen(0, "127.0.0.1", () => resolve(undefined)));
  hubUrl = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (hub.address()).port}`;
});
after(async () => {
  hub.close();
  await rm(work, { recursive: true, force: true });
});

/** @param {string[]} args @param {Record<string, string>} env */
async function fetchModel(args, env) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SCRIPT, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = /** @type {any} */ (error);
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test("first fetch records checksums in the lock; later fetches verify against it", async () => {
  files = {
    "config.json": Buffer.from('{"id2label": {}}'),
    "preprocessor_config.json": Buffer.from('{"crop_pct": 0.875}'),
    "onnx/model.onnx": Buffer.from("fake model bytes v1"),
  };
  const env = {
    TAGGER_MODEL_BASE_URL: hubUrl,
    TAGGER_MODEL_DIR: path.join(work, "cache"),
    TAGGER_MODEL_LOCK: path.join(work, "model.lock.json"),
  };

  const first = await fetchModel([], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /recorded/);
  const lock = JSON.parse(await readFile(env.TAGGER_MODEL_LOCK, "utf8"));
  assert.equal(lock.commit, COMMIT);
  assert.equal(lock.files["onnx/model.onnx"].sha256, sha256(files["onnx/model.onnx"]));
  assert.deepEqual(await readFile(path.join(env.TAGGER_MODEL_DIR, "onnx/model.onnx")), files["onnx/model.onnx"]);
  const receipt = JSON.parse(await readFile(path.join(env.TAGGER_MODEL_DIR, "fetch-receipt.json"), "utf8"));
  assert.equal(receipt.files["onnx/model.onnx"].sha256, lock.files["onnx/model.onnx"].sha256);

  const again = await fetchModel([], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already present, sha256 ok/);

  // Upstream bytes change: the download is refused and the good copy stays.
  files["onnx/model.onnx"] = Buffer.from("tampered bytes");
  const tampered = await fetchModel(["--force"], env);
  assert.equal(tampered.code, 1);
  assert.match(tampered.stderr, /onnx\/model\.onnx: sha256 mismatch/);
  assert.doesNotMatch(tampered.stderr, /\n\s+at /, "no stack trace");
  assert.deepEqual(
    await readFile(path.join(env.TAGGER_MODEL_DIR, "onnx/model.onnx")),
    Buffer.from("fake model bytes v1"),
  );
});

test("without network it fails with a clear message, not a stack trace", async () => {
  const closed = http.createServer();
  await new Promise((resolve) => closed.listen(0, "127.0.0.1", () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (closed.address()).port;
  await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
  const result = await fetchModel([], {
    TAGGER_MODEL_BASE_URL: `http://127.0.0.1:${port}`,
    TAGGER_MODEL_DIR: path.join(work, "offline"),
    TAGGER_MODEL_LOCK: path.join(work, "offline.lock.json"),
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /model:fetch failed: could not reach 127\.0\.0\.1:\d+: ECONNREFUSED/);
  assert.match(result.stderr, /needs internet access once/);
  assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
});
