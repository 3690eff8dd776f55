// The embedded CenterNet model on real photos (not a test): `npm run bench:photos [-- <folder>]`.
// Measures the model load in this process (TF.js WebAssembly init, then reading + warming the graph), then
// starts `node src/server.js` without ResNet-50 weights, posts each photo of the folder (default: the test
// photos, scripts/fetch-test-photos.js) 1 + RUNS times and reports the median and p90 latency of POST /run over
// HTTP (decode + resize + inference), the tags, and the server's idle and peak RSS (VmRSS / VmHWM).
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { ensureTestPhotos, PHOTOS_DIR } from "./scripts/fetch-test-photos.js";
import { CenterNet } from "./src/centernet.js";
import { DEFAULT_EMBEDDED_MODEL_DIR } from "./src/config.js";
import { tfWasm } from "./src/tf-wasm.js";
import { memoryMiB, startServer } from "./test/helpers/server-process.js";

const RUNS = 7;
const folder = process.argv[2] ? path.resolve(process.argv[2]) : PHOTOS_DIR;
if (!process.argv[2]) await ensureTestPhotos();

let start = performance.now();
await tfWasm();
const initMs = performance.now() - start;
start = performance.now();
(await CenterNet.load(DEFAULT_EMBEDDED_MODEL_DIR)).release();
const loadMs = performance.now() - start;
console.log(
  `node ${process.version}, ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model}); ` +
    `TF.js wasm init ${initMs.toFixed(0)} ms, CenterNet load + warm-up ${loadMs.toFixed(0)} ms`,
);

const modelDir = await mkdtemp(path.join(os.tmpdir(), "tagger-bench-photos-"));
const spawned = performance.now();
const { child, url } = await startServer(modelDir);
try {
  const pid = /** @type {number} */ (child.pid);
  console.log(
    `server: listening ${(performance.now() - spawned).toFixed(0)} ms after spawn, idle RSS ${(await memoryMiB(pid, "VmRSS")).toFixed(0)} MiB\n`,
  );
  console.log(
    `photo                  size        median     p90  tags (threshold ${process.env.TAGGER_MIN_DETECTION_SCORE ?? "0.4"})`,
  );
  const names = (await readdir(folder)).filter((name) => /\.(png|jpe?g|webp|gif)$/i.test(name)).sort();
  for (const name of names) {
    const bytes = await readFile(path.join(folder, name));
    const times = [];
    let tags;
    for (let i = 0; i <= RUNS; i++) {
      const t0 = performance.now();
      const res = await fetch(`${url}/run`, { method: "POST", body: bytes, headers: { "content-type": "image/*" } });
      const body = await res.json();
      if (i > 0) times.push(performance.now() - t0);
      if (res.status !== 200) {
        tags = `HTTP ${res.status}: ${body.detail}`;
        break;
      }
      if (res.headers.get("x-tagger-model") !== "centernet-coco80") throw new Error("not the embedded model");
      tags = body.map((/** @type {any} */ t) => `${t.label} ${t.score.toFixed(3)}`).join(", ") || "(none)";
    }
    const meta = await sharp(bytes)
      .metadata()
      .catch(() => ({ width: "?", height: "?" }));
    const size = `${meta.width}×${meta.height}`;
    times.sort((a, b) => a - b);
    const median = times.length ? times[Math.floor(times.length / 2)].toFixed(0) : "-";
    const p90 = times.length ? times[Math.ceil(times.length * 0.9) - 1].toFixed(0) : "-";
    console.log(`${name.padEnd(22)} ${size.padEnd(10)} ${median.padStart(6)} ms ${p90.padStart(4)} ms  ${tags}`);
  }
  console.log(`\npeak RSS of the server: ${(await memoryMiB(pid, "VmHWM")).toFixed(0)} MiB`);
} finally {
  child.kill("SIGTERM");
  await rm(modelDir, { recursive: true, force: true });
}
