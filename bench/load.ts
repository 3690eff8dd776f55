// Load benchmark: `npm run bench:load [-- --clients 50 --seconds 30 --rps-seconds 10 --rps-rounds 2]`. Not a CI test.
//
// The whole local stack (npm start on its own port: wrangler dev, the tagger with its embedded model, the image
// engine), then N clients, each signed in as its own user, uploading real photos (Debian's scikit-image photos, a
// different crop each time), listing and searching in a loop for the given time. Then it waits up to a minute and
// counts how many of the uploads are tagged: a tagger that falls behind leaves uploads `pending`, and the tagging
// queue must catch up.
//
// Then throughput (--rps-seconds, 0 to skip): requests per second of GET /health, GET /v1/images?limit=20 and
// GET /v1/images/search?q=<the label the uploads carry most> over N keep-alive connections, each connection one
// request at a time (what autocannon does with `-c N`), after a warm-up of 2 s each; the libraries are those of the
// load phase. The two library routes run twice: each connection as its own user (N library objects) and all
// connections as one user (one object). --rps-rounds interleaved rounds (default 2); the ratio is to /health's mean.
import { performance } from "node:perf_hooks";
import sharp from "sharp";
import { photo } from "../image-engine/test/helpers/photos.js";
import { startLocalServer } from "../scripts/lib/local-server";
import { numberArg } from "./args";
import { keepAliveClient } from "./keep-alive";

const CLIENTS = numberArg("clients", 50);
const SECONDS = numberArg("seconds", 30);
const RPS_SECONDS = numberArg("rps-seconds", 10);
const RPS_ROUNDS = numberArg("rps-rounds", 2);
const RPS_WARMUP_SECONDS = 2;
const log = (...a: unknown[]) => console.error("[load]", ...a);

const sources = await Promise.all(
  ["chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg"].map((n) => photo(n as never)),
);
let made = 0;
/** A different real photo every time (a crop at a new offset), so no upload is a duplicate of another. */
async function nextPhoto(): Promise<Buffer> {
  const n = made++;
  const source = sharp(sources[n % sources.length]);
  const { width = 400, height = 300 } = await source.metadata();
  const left = n % Math.max(1, width - 200);
  const top = Math.floor(n / 7) % Math.max(1, height - 150);
  return source.extract({ left, top, width: 200, height: 150 }).jpeg({ quality: 85 }).toBuffer();
}

const server = startLocalServer(process.env.PORT ?? "8796");
try {
  await server.ready(120_000);
  const base = server.base;
  const tokens = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const response = await fetch(`${base}/v1/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": `10.9.${i >> 8}.${i & 255}` },
        body: JSON.stringify({
          email: `load-${Date.now()}-${i}@example.com`,
          password: "correct horse battery staple",
          turnstileToken: "XXXX.DUMMY.TOKEN.XXXX",
        }),
      });
      if (response.status !== 201) throw new Error(`register: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { tokens: { accessToken: string } }).tokens.accessToken;
    }),
  );
  log(`${CLIENTS} users; running for ${SECONDS} s`);
  const uploads: { id: string; token: string; status: string }[] = [];
  const statuses = new Map<number, number>();
  const until = performance.now() + SECONDS * 1000;
  let requests = 0;
  await Promise.all(
    tokens.map(async (token, i) => {
      const auth = { authorization: `Bearer ${token}` };
      for (let round = 0; performance.now() < until; round++) {
        const step = round % 3;
        let response: Response;
        if (step === 0) {
          const form = new FormData();
          form.append("file", new File([await nextPhoto()], `load-${i}-${round}.jpg`));
          response = await fetch(`${base}/v1/images`, { method: "POST", headers: auth, body: form });
          if (response.status === 201) {
            const image = (await response.json()) as { id: string; tagStatus: string };
            uploads.push({ id: image.id, token, status: image.tagStatus });
          } else await response.arrayBuffer();
        } else {
          response = await fetch(`${base}/v1/images${step === 1 ? "?limit=20" : "/search?q=dog"}`, { headers: auth });
          await response.arrayBuffer();
        }
        requests++;
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    }),
  );
  const atOnce = uploads.filter((u) => u.status === "tagged").length;
  log(`${requests} requests (${[...statuses].map(([s, n]) => `${s}×${n}`).join(" ")}); ${uploads.length} uploads`);
  const started = performance.now();
  let tagged = 0;
  let seconds = 0;
  const labels = new Map<string, number>();
  /** Per user (by token), the labels of each of its images, from the last listing. */
  const imageLabels = new Map<string, string[][]>();
  const users = [...new Set(uploads.map((u) => u.token))];
  while (performance.now() - started < 60_000) {
    // Each user's own list (at most 100 uploads each): one request per user, with a deadline.
    const lists = await Promise.all(
      users.map(async (token) => {
        const response = await fetch(`${base}/v1/images?limit=100`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(15_000),
        }).catch(() => null);
        if (!response?.ok) return [];
        return ((await response.json()) as { items: { id: string; tagStatus: string; tags: { label: string }[] }[] })
          .items;
      }),
    );
    const ids = new Set(uploads.map((u) => u.id));
    tagged = lists.flat().filter((item) => ids.has(item.id) && item.tagStatus === "tagged").length;
    labels.clear();
    for (const tag of lists.flat().flatMap((item) => item.tags))
      labels.set(tag.label, (labels.get(tag.label) ?? 0) + 1);
    for (const [i, token] of users.entries()) {
      imageLabels.set(
        token,
        lists[i]!.map((item) => item.tags.map((tag) => tag.label)),
      );
    }
    seconds = (performance.now() - started) / 1000;
    log(`${seconds.toFixed(0)} s after: ${tagged} of ${uploads.length} tagged`);
    if (tagged === uploads.length) break;
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  console.log(`## Load, ${CLIENTS} clients for ${SECONDS} s (npm start, 2 cores)\n`);
  console.log("| measure | value |\n|---|---:|");
  console.log(`| requests (upload, list, search in turn) | ${requests} |`);
  console.log(`| statuses | ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")} |`);
  console.log(`| uploads stored | ${uploads.length} |`);
  console.log(`| tagged in the upload response | ${atOnce} |`);
  console.log(`| tagged ${seconds.toFixed(0)} s after the run | ${tagged} of ${uploads.length} |`);

  if (RPS_SECONDS > 0) {
    // Search for the label the uploads carry most often, so that the answers have items.
    const query = [...labels].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "dog";
    const search = `/v1/images/search?q=${encodeURIComponent(query)}&limit=20`;
    // The one user of the one-object rows: the one with the most images that carry it, so its answers have items too.
    const holding = (token: string) => imageLabels.get(token)?.filter((image) => image.includes(query)).length ?? 0;
    const oneUser = [...tokens].sort((a, b) => holding(b) - holding(a))[0]!;
    const plan: [string, string, (connection: number) => string | null][] = [
      ["GET /health", "/health", () => null],
      ["GET /v1/images?limit=20, a user per connection", "/v1/images?limit=20", (c) => tokens[c % CLIENTS]!],
      [`GET ${search}, a user per connection`, search, (c) => tokens[c % CLIENTS]!],
      ["GET /v1/images?limit=20, one user", "/v1/images?limit=20", () => oneUser],
      [`GET ${search}, one user`, search, () => oneUser],
    ];
    // Rounds interleave the requests, so a change in the machine's load touches all of them alike.
    const runs = new Map<string, Throughput[]>();
    for (let round = 1; round <= RPS_ROUNDS; round++) {
      for (const [name, path, tokenOf] of plan) {
        log(`throughput, round ${round}: ${name}`);
        const result = await throughput(new URL(path, base), tokenOf);
        runs.set(name, [...(runs.get(name) ?? []), result]);
      }
    }
    const mean = (rs: Throughput[]) => rs.reduce((sum, r) => sum + r.rps, 0) / rs.length;
    const health = mean(runs.get("GET /health")!);
    console.log(
      `\n## Throughput, ${CLIENTS} keep-alive connections, ${RPS_ROUNDS} interleaved rounds of ${RPS_SECONDS} s each after ${RPS_WARMUP_SECONDS} s warm-up (client on the same machine)\n`,
    );
    console.log(
      "| request | req/s per round | mean | × GET /health | p50 / p95 ms (last round) | statuses | items per answer |",
    );
    console.log("|---|---:|---:|---:|---:|---|---:|");
    for (const [name, rs] of runs) {
      const last = rs.at(-1)!;
      const statuses = new Map<number, number>();
      for (const r of rs) for (const [status, n] of r.statuses) statuses.set(status, (statuses.get(status) ?? 0) + n);
      console.log(
        `| ${name} | ${rs.map((r) => r.rps.toFixed(0)).join(", ")} | ${mean(rs).toFixed(0)} | ${(mean(rs) / health).toFixed(2)} | ${last.p50.toFixed(0)} / ${last.p95.toFixed(0)} | ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")} | ${last.items === null ? "-" : last.items.toFixed(1)} |`,
      );
    }
  }
} finally {
  server.stop();
}

interface Throughput {
  rps: number;
  p50: number;
  p95: number;
  statuses: Map<number, number>;
  /** Mean length of `items` in the answers (list and search), null for other bodies. */
  items: number | null;
}

/** CLIENTS connections in a closed loop for RPS_WARMUP_SECONDS, then RPS_SECONDS measured. */
async function throughput(url: URL, tokenOf: (connection: number) => string | null): Promise<Throughput> {
  const client = keepAliveClient(url.origin, CLIENTS);
  const started = performance.now();
  const measureFrom = started + RPS_WARMUP_SECONDS * 1000;
  const until = measureFrom + RPS_SECONDS * 1000;
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let items = 0;
  let lists = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, connection) => {
      const token = tokenOf(connection);
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      while (performance.now() < until) {
        const t0 = performance.now();
        const { status, body } = await client.get(url.pathname + url.search, headers);
        const t1 = performance.now();
        if (t1 < measureFrom || t1 > until) continue; // answers that arrive inside the measured window
        latencies.push(t1 - t0);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const list =
          status === 200 && body.startsWith('{"items"') ? (JSON.parse(body) as { items: unknown[] }).items : null;
        if (list) {
          items += list.length;
          lists++;
        }
      }
    }),
  );
  client.close();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
  return {
    rps: latencies.length / RPS_SECONDS,
    p50: at(0.5),
    p95: at(0.95),
    statuses,
    items: lists > 0 ? items / lists : null,
  };
}
