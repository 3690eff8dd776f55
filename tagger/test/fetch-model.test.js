// `npm run model:fetch` against a local stand-in for huggingface.co (no internet needed).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
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
/** When set, the CDN sends only this many bytes of a full (non-range) download, then drops the connection. */
let breakAfter = /** @type {number | null} */ (null);
/** Range headers the CDN received. @type {string[]} */
const ranges = [];
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
    const range = cdn && req.headers.range?.match(/^bytes=(\d+)-$/);
    if (range) {
      ranges.push(/** @type {string} */ (req.headers.range));
      const start = Number(range[1]);
      if (start >= body.length) return res.writeHead(416).end();
      const contentRange = `bytes ${start}-${body.length - 1}/${body.length}`;
      return res
        .writeHead(206, { "content-length": body.length - start, "content-range": contentRange })
        .end(body.subarray(start));
    }
    if (cdn && breakAfter !== null) {
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, breakAfter));
      return setTimeout(() => res.destroy(), 50);
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

/** A loopback port nothing listens on. */
async function closedPort() {
  const closed = http.createServer();
  await new Promise((resolve) => closed.listen(0, "127.0.0.1", () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (closed.address()).port;
  await new Promise((resolve) => closed.close(resolve));
  return port;
}

test("without network it fails with a clear message, not a stack trace", async () => {
  const port = await closedPort();
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

test("a download that broke off is resumed with a Range request, and verified whole", async () => {
  const model = createHash("sha256").update("seed").digest();
  files = {
    "config.json": Buffer.from("{}"),
    "preprocessor_config.json": Buffer.from("{}"),
    "onnx/model.onnx": Buffer.concat(
      Array.from({ length: 4096 }, (_, i) => Buffer.concat([model, Buffer.of(i & 255)])),
    ),
  };
  const env = {
    TAGGER_MODEL_BASE_URL: hubUrl,
    TAGGER_MODEL_DIR: path.join(work, "resume"),
    TAGGER_MODEL_LOCK: path.join(work, "resume.lock.json"),
  };
  const part = path.join(env.TAGGER_MODEL_DIR, "onnx/model.onnx.part");
  breakAfter = 50_000;
  ranges.length = 0;
  try {
    const broken = await fetchModel([], env);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /onnx\/model\.onnx broke off at \d+ bytes.*run again to resume/);
    const partial = (await stat(part)).size;
    assert.ok(partial > 0 && partial < files["onnx/model.onnx"].length, `kept ${partial} bytes`);

    const resumed = await fetchModel([], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(ranges, [`bytes=${partial}-`]);
    assert.match(resumed.stdout, /onnx\/model\.onnx: 0\.\d MB, resumed at 0\.\d MB, sha256 [0-9a-f]{64}/);
    assert.deepEqual(await readFile(path.join(env.TAGGER_MODEL_DIR, "onnx/model.onnx")), files["onnx/model.onnx"]);
    await assert.rejects(stat(part), { code: "ENOENT" });
  } finally {
    breakAfter = null;
  }
});

test("--background: nothing to do when a model is there; one line when offline; a short report when done", async () => {
  files = {
    "config.json": Buffer.from("{}"),
    "preprocessor_config.json": Buffer.from("{}"),
    "onnx/model.onnx": Buffer.from("fake model bytes"),
  };
  const present = path.join(work, "present");
  await mkdir(path.join(present, "onnx"), { recursive: true });
  await writeFile(path.join(present, "onnx/model.onnx"), "already here");
  const idle = await fetchModel(["--background"], {
    TAGGER_MODEL_BASE_URL: "http://127.0.0.1:9",
    TAGGER_MODEL_DIR: present,
  });
  assert.deepEqual(idle, { code: 0, stdout: "", stderr: "" });

  const offline = await fetchModel(["--background"], {
    TAGGER_MODEL_BASE_URL: `http://127.0.0.1:${await closedPort()}`,
    TAGGER_MODEL_DIR: path.join(work, "bg-offline"),
    TAGGER_MODEL_LOCK: path.join(work, "bg-offline.lock.json"),
  });
  assert.equal(offline.code, 1);
  assert.equal(offline.stdout, "");
  assert.match(
    offline.stderr,
    /^\[model:fetch\] ResNet-50 weights not fetched \(could not reach 127\.0\.0\.1:\d+: ECONNREFUSED\); the embedded CenterNet model keeps tagging\. .*\n$/,
  );
  assert.equal(offline.stderr.split("\n").length, 2, "exactly one line");

  const online = await fetchModel(["--background"], {
    TAGGER_MODEL_BASE_URL: hubUrl,
    TAGGER_MODEL_DIR: path.join(work, "bg-online"),
    TAGGER_MODEL_LOCK: path.join(work, "bg-online.lock.json"),
  });
  assert.equal(online.code, 0, online.stderr);
  assert.equal(online.stderr, "");
  assert.match(
    online.stdout,
    /^\[model:fetch\] Recorded checksums .*\n\[model:fetch\] ResNet-50 weights fetched and verified/,
  );
  assert.deepEqual(await readFile(path.join(work, "bg-online", "onnx/model.onnx")), files["onnx/model.onnx"]);
});

test("a .part the server cannot continue (416) is dropped and the file fetched from the start", async () => {
  files = {
    "config.json": Buffer.from("{}"),
    "preprocessor_config.json": Buffer.from("{}"),
    "onnx/model.onnx": Buffer.from("the real model"),
  };
  const dir = path.join(work, "stale");
  await mkdir(path.join(dir, "onnx"), { recursive: true });
  await writeFile(path.join(dir, "onnx/model.onnx.part"), "a stale partial download, longer than the file");
  ranges.length = 0;
  const result = await fetchModel([], {
    TAGGER_MODEL_BASE_URL: hubUrl,
    TAGGER_MODEL_DIR: dir,
    TAGGER_MODEL_LOCK: path.join(work, "stale.lock.json"),
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(ranges.length, 1, "one range request, refused");
  assert.deepEqual(await readFile(path.join(dir, "onnx/model.onnx")), files["onnx/model.onnx"]);
});
