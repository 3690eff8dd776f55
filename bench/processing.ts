// Processing benchmark: `npm run bench:processing` (= `npx tsx bench/processing.ts [--photos 50]`). Not a CI test.
//
// 1. a fresh local state under bench/.data/processing, `wrangler dev --local` on it (bot check off, port 8791);
// 2. N photos of about 2 MP (1920×1080 JPEG, made with sharp from Debian's scikit-image photos when
//    tagger/.test-photos has them, else from noise), uploaded by one user;
// 3. direct: the same N conversions with sharp in Node (what the local Images binding runs on), one at a time (and,
//    for comparison, two at a time, as the session converts them):
//    WebP q80, at most 1600 px wide;
// 4. session: one processing session over the N photos with that output, followed over its SSE stream: images/s
//    from start to `completed`, and per item the delay from the object's change (`updatedAt`) to the event's
//    arrival at this client (same machine, same clock);
// 5. thumbnails: each image's `thumbnailUrl` fetched twice, cold (made by the Images binding) and cached (from R2),
//    next to a route with no I/O and /health (one D1 and one R2 read, like a cached thumbnail);
// 6. workerd's resident memory before and after (the Durable Object's own share cannot be read locally).
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import sharp from "sharp";
import { type ProcessingSession, readSessionEvents } from "../openapi/client";
import { numberArg } from "./args";
import { BENCH_ENV, startDev, stopDev } from "./dev-server";

const ROOT = path.resolve(import.meta.dirname, "..");
const N = numberArg("photos", 50);
const PORT = numberArg("port", 8791);
const STATE = path.join(ROOT, "bench/.data/processing");
const BASE = `http://127.0.0.1:${PORT}`;
const log = (...a: unknown[]) => console.error("[bench]", ...a);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;
const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);

function workerdRss(): number {
  const out = spawnSync("ps", ["-C", "workerd", "-o", "rss="], { encoding: "utf8" }).stdout;
  return (
    out
      .split("\n")
      .filter(Boolean)
      .map(Number)
      .reduce((a, b) => a + b, 0) / 1024
  );
}

async function photos(): Promise<Buffer[]> {
  const dir = path.join(ROOT, "tagger/.test-photos");
  const sources = fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
  const out: Buffer[] = [];
  for (let i = 0; i < N; i++) {
    const base = sources.length
      ? sharp(sources[i % sources.length]).resize(1920, 1080, { fit: "cover" })
      : sharp(Buffer.from(Array.from({ length: 64 * 36 * 3 }, () => Math.floor(Math.random() * 256))), {
          raw: { width: 64, height: 36, channels: 3 },
        }).resize(1920, 1080);
    // A different look (and so different bytes: uploads are de-duplicated) for every photo, greyscale ones too.
    out.push(
      await base
        .modulate({ hue: (i * 37) % 360, brightness: 0.8 + i * 0.008 })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  }
  return out;
}

async function api(pathname: string, token: string, init: RequestInit = {}) {
  const res = await fetch(`${BASE}${pathname}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...init.headers },
  });
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${pathname} → ${res.status} ${await res.text()}`);
  return res;
}

async function main() {
  fs.rmSync(STATE, { recursive: true, force: true });
  execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE], {
    cwd: ROOT,
    env: BENCH_ENV,
    stdio: "ignore",
  });
  const images = await photos();
  log(`${N} photos, ${(images.reduce((a, b) => a + b.length, 0) / 1e6).toFixed(1)} MB of JPEG at 1920×1080`);

  // direct sharp
  let t = performance.now();
  for (const image of images)
    await sharp(image).resize({ width: 1600, withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
  const directRate = N / ((performance.now() - t) / 1000);
  log(`direct sharp: ${directRate.toFixed(2)} img/s`);
  // The session converts two items at a time (session-engine.ts ITEMS_AT_ONCE): sharp at two at a time, for comparison.
  t = performance.now();
  for (let i = 0; i < images.length; i += 2) {
    await Promise.all(
      images
        .slice(i, i + 2)
        .map((image) =>
          sharp(image).resize({ width: 1600, withoutEnlargement: true }).webp({ quality: 80 }).toBuffer(),
        ),
    );
  }
  const directPairRate = N / ((performance.now() - t) / 1000);
  log(`direct sharp, two at a time: ${directPairRate.toFixed(2)} img/s`);

  await startDev({ state: STATE, port: PORT });
  const rssBefore = workerdRss();
  const email = `bench-${Date.now()}@example.com`;
  const reg = await fetch(`${BASE}/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "bench-password-123456!" }),
  });
  const token = ((await reg.json()) as { tokens: { accessToken: string } }).tokens.accessToken;
  const uploaded: { id: string; thumbnailUrl: string }[] = [];
  for (const [i, image] of images.entries()) {
    const form = new FormData();
    form.append("file", new File([image], `photo-${i}.jpg`, { type: "image/jpeg" }));
    uploaded.push(
      (await (await api("/v1/images", token, { method: "POST", body: form })).json()) as {
        id: string;
        thumbnailUrl: string;
      },
    );
  }
  log(`uploaded ${uploaded.length}`);

  // session over SSE
  const created = (await (
    await api("/v1/processing-sessions", token, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        imageIds: uploaded.map((u) => u.id),
        output: { format: "webp", quality: 80, width: 1600 },
      }),
    })
  ).json()) as { id: string };
  const events = await api(`/v1/processing-sessions/${created.id}/events`, token);
  const delays: number[] = [];
  let lastDone = 0;
  t = performance.now();
  await api(`/v1/processing-sessions/${created.id}/start`, token, { method: "POST" });
  let finishedAt = 0;
  let final: ProcessingSession | null = null;
  for await (const state of readSessionEvents(events.body!)) {
    if (state.progress.done > lastDone) {
      delays.push(Date.now() - Date.parse(state.updatedAt));
      lastDone = state.progress.done;
    }
    if (state.status === "completed" || state.status === "failed") {
      finishedAt = performance.now();
      final = state;
    }
  }
  const sessionRate = (final?.progress.done ?? 0) / ((finishedAt - t) / 1000);
  const rssAfter = workerdRss();

  // thumbnails, cold then cached; next to them two baselines through wrangler dev: a route with no I/O
  // (/v1/auth/config) and /health, which reads D1 and R2 once each, as a cached thumbnail does
  const timed = async (url: string, times: number) => {
    const samples: number[] = [];
    for (let i = 0; i < times; i++) {
      const s = performance.now();
      await (await fetch(url)).arrayBuffer();
      samples.push(performance.now() - s);
    }
    return samples;
  };
  const noIo = await timed(`${BASE}/v1/auth/config`, 20);
  const health = await timed(`${BASE}/health`, 20);
  const cold: number[] = [];
  const cached: number[] = [];
  for (const image of uploaded.slice(0, 20)) {
    for (const into of [cold, cached]) {
      const s = performance.now();
      const res = await fetch(image.thumbnailUrl.replace(/^https?:\/\/[^/]+/, BASE));
      await res.arrayBuffer();
      into.push(performance.now() - s);
    }
  }
  await stopDev();

  console.log(
    `## Processing, ${N} photos of 1920×1080 → WebP q80, at most 1600 px wide (wrangler dev --local, 2 cores)\n`,
  );
  console.log("| measure | value |\n|---|---:|");
  console.log(`| direct sharp in Node (one at a time) | ${directRate.toFixed(2)} img/s |`);
  console.log(`| session pipeline (start → completed) | ${sessionRate.toFixed(2)} img/s |`);
  console.log(`| ratio session / direct | ${(sessionRate / directRate).toFixed(2)}× |`);
  console.log(`| direct sharp in Node (two at a time, as the session converts) | ${directPairRate.toFixed(2)} img/s |`);
  console.log(`| ratio session / direct two at a time | ${(sessionRate / directPairRate).toFixed(2)}× |`);
  console.log(
    `| session outcome | ${final?.status}: ${final?.progress.done} of ${final?.progress.total} done, ${final?.progress.failed} failed |`,
  );
  console.log(
    `| item finished → its event at the client, p50 / p95 | ${ms(pct(delays, 50))} / ${ms(pct(delays, 95))} ms |`,
  );
  console.log(`| thumbnail cold, p50 / p95 | ${ms(pct(cold, 50))} / ${ms(pct(cold, 95))} ms |`);
  console.log(`| thumbnail cached, p50 / p95 | ${ms(pct(cached, 50))} / ${ms(pct(cached, 95))} ms |`);
  console.log(`| cached / cold (p50) | ${((pct(cached, 50) / pct(cold, 50)) * 100).toFixed(0)} % |`);
  console.log(`| GET /v1/auth/config (no I/O), p50 / p95 | ${ms(pct(noIo, 50))} / ${ms(pct(noIo, 95))} ms |`);
  console.log(
    `| GET /health (one D1 and one R2 read), p50 / p95 | ${ms(pct(health, 50))} / ${ms(pct(health, 95))} ms |`,
  );
  console.log(`| workerd RSS before / after the session | ${rssBefore.toFixed(0)} / ${rssAfter.toFixed(0)} MiB |`);
}

main().catch(async (error) => {
  console.error(error);
  await stopDev();
  process.exit(1);
});
