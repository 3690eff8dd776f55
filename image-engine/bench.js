// Engine time for a 12-megapixel HEIC (4000×3000, a real photo enlarged, encoded by heif-enc) → 1600 px WebP:
// the work a phone upload's first rendition costs. Not a test: prints timings.
//   node bench.js [runs]
import { execFile } from "node:child_process";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import sharp from "sharp";
import { ensureTestPhotos, PHOTOS_DIR } from "./scripts/fetch-test-photos.js";
import { transform } from "./src/engine.js";
import { decodeHeif } from "./src/heif-decode.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCH_DIR = path.join(here, ".bench");
const HEIC = path.join(BENCH_DIR, "coffee-4000x3000.heic");
const runs = Number(process.argv[2] ?? 5);

await ensureTestPhotos({ log: console.log });
if (!(await stat(HEIC).catch(() => null))) {
  await mkdir(BENCH_DIR, { recursive: true });
  const png = path.join(BENCH_DIR, "coffee-4000x3000.png");
  await sharp(path.join(PHOTOS_DIR, "coffee.png"))
    .resize(4000, 3000, { fit: "cover", kernel: "lanczos3" })
    .png()
    .toFile(png);
  console.log("encoding the 12 MP HEIC with heif-enc (once; cached in .bench/) …");
  await promisify(execFile)("heif-enc", ["-q", "80", png, "-o", HEIC]).catch((error) => {
    throw new Error(
      error.code === "ENOENT" ? "heif-enc missing: apt-get install -y libheif-examples" : String(error.stderr || error),
    );
  });
}
const heic = await readFile(HEIC);
const limits = { maxInputPixels: 100_000_000 };
const step = [{ transform: { width: 1600, fit: "scale-down" } }];
const output = { format: "image/webp", quality: 85 };

/** @param {() => Promise<unknown>} fn */
async function time(fn) {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

// The first call (below, outside the timings) compiles libheif's WebAssembly and loads libvips' codecs.
const decode = [];
const total = [];
let result = await transform(heic, step, output);
for (let i = 0; i < runs; i++) {
  decode.push(await time(() => decodeHeif(heic, limits)));
  total.push(await time(async () => (result = await transform(heic, step, output))));
}
const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const line = {
  input: `${path.basename(HEIC)} (${(heic.length / 1e6).toFixed(1)} MB, 4000×3000)`,
  output: `${result.contentType} ${result.width}×${result.height}, ${(result.data.length / 1e3).toFixed(0)} kB`,
  runs,
  "libheif decode, median ms": Math.round(median(decode)),
  "transform total (decode + resize + WebP), median ms": Math.round(median(total)),
  "min / max total ms": `${Math.round(Math.min(...total))} / ${Math.round(Math.max(...total))}`,
  "peak RSS MiB": Math.round(process.resourceUsage().maxRSS / 1024),
  machine: `${os.availableParallelism()} CPUs, Node ${process.version}, sharp ${sharp.versions.sharp}`,
};
console.table(line);
await writeFile(path.join(BENCH_DIR, "last-run.json"), JSON.stringify(line, null, 2));
