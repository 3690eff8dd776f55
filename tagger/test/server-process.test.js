// `npm start` (node src/server.js) as a process: loopback, TAGGER_PORT, clean exit on SIGTERM/SIGINT, one-line errors.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { startServer } from "./helpers/server-process.js";

const SERVER = fileURLToPath(new URL("../src/server.js", import.meta.url));

for (const signal of /** @type {const} */ (["SIGTERM", "SIGINT"])) {
  test(`starts on loopback and exits 0 on ${signal}`, async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "tagger-proc-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const { child, url, exited, output } = await startServer(dir, { stderr: "pipe" });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await (await fetch(`${url}/health`)).json();
    assert.equal(health.model.name, "centernet-coco80", "no weights in the folder: the embedded model");
    assert.equal(output().match(/centernet-coco80/g)?.length, 1, `says once which model tags:\n${output()}`);
    child.kill(signal);
    assert.equal(await exited, 0);
    assert.match(output(), new RegExp(`${signal}: shutting down`));
  });
}

test("a bad TAGGER_PORT is a one-line error, not a stack trace", async () => {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, TAGGER_PORT: "eighty" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (c) => (err += c));
  const code = await new Promise((resolve) => child.once("exit", resolve));
  assert.equal(code, 2);
  assert.match(err, /TAGGER_PORT must be an integer/);
  assert.doesNotMatch(err, /\n\s+at /);
});

test("a taken port is a one-line error naming TAGGER_PORT, and exit code 1", async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tagger-proc-"));
  const taken = net.createServer();
  await new Promise((resolve) => taken.listen(0, "127.0.0.1", () => resolve(undefined)));
  t.after(async () => {
    await new Promise((resolve) => taken.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });
  const port = /** @type {import("node:net").AddressInfo} */ (taken.address()).port;
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, TAGGER_PORT: String(port), TAGGER_MODEL_DIR: dir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (c) => (err += c));
  const code = await new Promise((resolve) => child.once("exit", resolve));
  assert.equal(code, 1);
  assert.match(err, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use \\(set TAGGER_PORT\\)`));
  assert.doesNotMatch(err, /\n\s+at /);
});
