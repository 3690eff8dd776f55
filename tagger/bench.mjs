// Latency and memory of the tagger on this machine (not a test): `npm run bench`.
// For each model it starts `node src/server.js` as a child process, posts the same image 20 times
// (after 3 warm-up requests) and reports the median and p90 latency of POST /run, end to end
// (HTTP + decode + resize + inference + softmax), plus the child's peak RSS (VmHWM).
//   - tiny:          the colour-prototype test model (GlobalAveragePool → MatMul): decode-bound
//   - resnet50-shape: the real ResNet-50 v1.5 layer shapes with RANDOM weights (102 MB fp32,
//                    ~4.1 GFLOPs) — same cost as the real microsoft/resnet-50, meaningless labels
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { buildColourModel } from "./test/helpers/onnx/colour-model.js";
import { buildResnet50Shaped } from "./test/helpers/onnx/resnet50-model.js";
import { memoryMiB, startServer } from "./test/helpers/server-process.js";

const RUNS = 20;
const WARMUP = 3;

/** A photo-like JPEG: smooth gradients plus noise. @param {number} width @param {number} height */
async function photo(width, height) {
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 3) {
      const noise = (Math.random() - 0.5) * 40;
      rgb[i] = (255 * x) / width + noise;
      rgb[i + 1] = (255 * y) / height + noise;
      rgb[i + 2] = 128 + 100 * Math.sin((x + y) / 50) + noise;
    }
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** @param {Buffer} model */
async function startChild(model) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tagger-bench-"));
  await mkdir(path.join(dir, "onnx"));
  await writeFile(path.join(dir, "onnx", "model.onnx"), model);
  const { child, url } = await startServer(dir);
  return { child, url, dir };
}

/** @param {string} url @param {{ body: BodyInit, contentType: string }} request */
async function timeRequests(url, request) {
  const times = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const start = performance.now();
    const res = await fetch(`${url}/run`, {
      method: "POST",
      headers: { "content-type": request.contentType },
      body: request.body,
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
    if (i >= WARMUP) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: (times[RUNS / 2 - 1] + times[RUNS / 2]) / 2, p90: times[Math.ceil(RUNS * 0.9) - 1] };
}

const images = {
  "1024×768 JPEG": await photo(1024, 768),
  "4032×3024 JPEG (12 MP)": await photo(4032, 3024),
};
const models = { tiny: buildColourModel(), "resnet50-shape": buildResnet50Shaped() };

console.log(
  `node ${process.version}, ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model}), ${RUNS} timed requests after ${WARMUP} warm-up\n`,
);
console.log("model            input                          median     p90   RSS idle  peak RSS");
for (const [modelName, model] of Object.entries(models)) {
  const { child, url, dir } = await startChild(model);
  try {
    const idle = await memoryMiB(/** @type {number} */ (child.pid), "VmRSS");
    /** @type {[string, { body: BodyInit, contentType: string }][]} */
    const requests = Object.entries(images).map(([name, bytes]) => [name, { body: bytes, contentType: "image/jpeg" }]);
    const small = images["1024×768 JPEG"];
    requests.push([
      '1024×768 as {"image": [...]}',
      { body: JSON.stringify({ image: [...small] }), contentType: "application/json" },
    ]);
    for (const [inputName, request] of requests) {
      const { median, p90 } = await timeRequests(url, request);
      const peak = await memoryMiB(/** @type {number} */ (child.pid), "VmHWM");
      console.log(
        `${modelName.padEnd(16)} ${String(inputName).padEnd(28)} ${median.toFixed(1).padStart(6)} ms ${p90.toFixed(1).padStart(6)} ms ${idle.toFixed(0).padStart(5)} MiB ${peak.toFixed(0).padStart(5)} MiB`,
      );
    }
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await rm(dir, { recursive: true, force: true });
  }
}
console.log("\npeak RSS is cumulative per model: each row includes the rows above it.");
