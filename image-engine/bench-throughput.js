// Throughput of the project's processing case: 1920×1080 JPEG photos → WebP q80 at most 1600 px wide, one at a
// time, (a) with sharp directly in this process, (b) through the engine's HTTP API (`node src/server.js` on a free
// loopback port, POST /transform with the multipart form workerd's binding sends, as the Worker does). Not a test.
//   node bench-throughput.js [rounds=3] [passes=2]
// Each round converts every photo `passes` times with each, interleaved. Prints img/s per round, the medians and
// the engine / direct ratio of the medians.
import { spawn } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { photo } from "./test/helpers/photos.js";

const rounds = Number(process.argv[2] ?? 3);
const passes = Number(process.argv[3] ?? 2);
const COUNT = 20;
const SOURCES = /** @type {const} */ (["chelsea.png", "astronaut.png", "coffee.png", "rocket.jpg"]);

// 20 different 1920×1080 JPEGs (q90): each photo enlarged to cover the frame, with its own hue and brightness.
/** @type {Buffer[]} */
const photos = [];
for (let i = 0; i < COUNT; i++) {
  const source = await photo(SOURCES[i % SOURCES.length]);
  photos.push(
    await sharp(source)
      .resize(1920, 1080, { fit: "cover" })
      .modulate({ hue: (i * 37) % 360, brightness: 0.8 + i * 0.02 })
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
}

// (a) direct sharp, as the project's processing benchmark runs it.
const direct = (/** @type {Buffer} */ jpeg) =>
  sharp(jpeg).resize({ width: 1600, withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();

// (b) the engine over HTTP: what the Worker asks for (rendition-spec.ts: width/height of the box, scale-down).
const server = spawn(process.execPath, [fileURLToPath(new URL("src/server.js", import.meta.url))], {
  env: { ...process.env, IMAGE_ENGINE_PORT: "0" },
  stdio: ["ignore", "pipe", "inherit"],
});
const url = await new Promise((resolve, reject) => {
  let out = "";
  const onData = (/** @type {Buffer} */ chunk) => {
    out += chunk;
    const match = out.match(/listening on (http:\/\/\S+)/);
    if (match) {
      server.stdout.off("data", onData);
      server.stdout.resume(); // per-request log lines: drained, not printed
      resolve(match[1]);
    }
  };
  server.stdout.on("data", onData);
  server.once("exit", (code) => reject(new Error(`the engine exited (${code}): ${out}`)));
});
const transforms = JSON.stringify([{ imageIndex: 0, width: 1600, height: 900, fit: "scale-down" }]);
const viaEngine = async (/** @type {Buffer} */ jpeg) => {
  const body = new FormData();
  body.append("image", new Blob([/** @type {Uint8Array<ArrayBuffer>} */ (jpeg)]));
  body.append("transforms", transforms);
  body.append("output_format", "image/webp");
  body.append("output_quality", "80");
  const res = await fetch(`${url}/transform`, { method: "POST", body });
  if (!res.ok) throw new Error(`engine: ${res.status} ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
};

/**
 * One round: `passes` passes over the photos, each photo converted by both, back to back (the order alternating),
 * so that load from elsewhere on the machine falls on both alike. Returns img/s of each.
 */
async function round(/** @type {number} */ r) {
  const spent = { direct: 0, engine: 0 };
  let n = 0;
  for (let p = 0; p < passes; p++) {
    for (const jpeg of photos) {
      const order = (n++ + r) % 2 === 0 ? ["direct", "engine"] : ["engine", "direct"];
      for (const which of order) {
        const started = performance.now();
        await (which === "direct" ? direct : viaEngine)(jpeg);
        spent[/** @type {"direct" | "engine"} */ (which)] += performance.now() - started;
      }
    }
  }
  return { direct: (n * 1000) / spent.direct, engine: (n * 1000) / spent.engine };
}

try {
  // Warm-up (codecs loaded, connections open) and a sanity check of what each produces.
  for (const jpeg of photos.slice(0, 3)) {
    const [a, b] = [await direct(jpeg), await viaEngine(jpeg)];
    const [ma, mb] = [await sharp(a).metadata(), await sharp(b).metadata()];
    if (ma.width !== mb.width || ma.height !== mb.height || mb.format !== "webp") {
      throw new Error(`outputs differ: direct ${ma.width}×${ma.height}, engine ${mb.format} ${mb.width}×${mb.height}`);
    }
  }
  const results = { direct: /** @type {number[]} */ ([]), engine: /** @type {number[]} */ ([]) };
  for (let r = 0; r < rounds; r++) {
    const got = await round(r);
    results.direct.push(got.direct);
    results.engine.push(got.engine);
    console.log(
      `round ${r + 1}: direct ${got.direct.toFixed(2)} img/s, engine ${got.engine.toFixed(2)} img/s, ` +
        `ratio ${(got.engine / got.direct).toFixed(3)}`,
    );
  }
  const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [d, e] = [median(results.direct), median(results.engine)];
  console.log(
    `median of ${rounds} (${passes}×${COUNT} images each): direct ${d.toFixed(2)} img/s, engine ${e.toFixed(2)} img/s, ` +
      `ratio ${(e / d).toFixed(3)}  (${os.availableParallelism()} CPUs, Node ${process.version}, sharp ${sharp.versions.sharp})`,
  );
} finally {
  server.kill("SIGTERM");
}
