// Search benchmark: `npx tsx bench/search.ts --images 100000` (see bench/README.md).
//
// 1. a fresh local D1 under bench/.data/state-<N> (`wrangler d1 migrations apply DB --local --persist-to`),
// 2. a bench user registered over HTTP against `wrangler dev --local` (falls back to a users row when the auth
//    routes are not there yet), then dev is stopped,
// 3. N images + 5N tags for that user and N/5 images of a noise user, written straight into the D1 SQLite file with
//    better-sqlite3 in one transaction, plus the legacy table (bench only) and the FTS index (REBUILD_ALL_SQL),
// 4. timings per query class, yours vs the legacy `tags LIKE '%q%'` scan:
//    - direct: the exact searchImages() code over better-sqlite3 on the same file (µs clock),
//    - d1: searchImages() against real local D1 (workerd) via wrangler's getPlatformProxy: meta.duration (whole ms,
//      that is what local D1 reports) and the wall time of the call,
//    - http: GET /v1/images/search end to end against `wrangler dev --local`, with the Server-Timing db dur
//      (skipped, and said so, while the route does not exist).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { REBUILD_ALL_SQL } from "../src/images/search-index";
import { searchImages, type SearchMatch } from "../src/images/search";

const ROOT = path.resolve(import.meta.dirname, "..");
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (a.startsWith("--")) args.set(a.slice(2), process.argv[i + 1]?.startsWith("--") || i + 1 >= process.argv.length ? "1" : process.argv[++i]!);
}
const N = Number(args.get("images") ?? 10000);
const NOISE = Number(args.get("noise") ?? Math.round(N / 5));
const ITERS = Number(args.get("iters") ?? 60); // per query class and method
const PORT = Number(args.get("port") ?? 8799);
const HTTP = !args.has("no-http");
const STATE = path.join(ROOT, "bench/.data", `state-${N}`);
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

// better-sqlite3@12 (v13 segfaults on Node 20): a devDependency, or `npm install --prefix bench/.data better-sqlite3@12`.
function loadSqlite(): any {
  for (const base of [path.join(ROOT, "package.json"), path.join(ROOT, "bench/.data/package.json")]) {
    try { return createRequire(base)("better-sqlite3"); } catch { /* next */ }
  }
  throw new Error("better-sqlite3 not found: npm install --prefix bench/.data better-sqlite3@12");
}
const Database = loadSqlite();
const LABELS: string[] = JSON.parse(fs.readFileSync(path.join(ROOT, "bench/imagenet-labels.json"), "utf8")).labels;

const CLASSES: Record<string, { queries: string[]; match: SearchMatch }> = {
  selective: { queries: ["persian", "toucan", "pelican", "zebra", "volcano", "espresso", "tabby", "goldfish"], match: "all" },
  "multi-token": { queries: ["golden retriever", "tiger cat", "great white shark", "border collie", "french bulldog", "red wolf", "grey whale", "snow leopard"], match: "all" },
  "broad-1": { queries: ["s", "c", "b", "p"], match: "all" },
  "broad-2": { queries: ["ca", "st", "ma", "co"], match: "all" },
};

const log = (...a: unknown[]) => console.error("[bench]", ...a);
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN; };
const fmt = (x: number) => (Number.isNaN(x) ? "   -  " : x.toFixed(x < 10 ? 2 : 1).padStart(6));

function wrangler(argv: string[]) {
  const r = spawnSync("npx", ["wrangler", ...argv], { cwd: ROOT, env: ENV, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wrangler ${argv.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
}

async function startDev(): Promise<ChildProcess> {
  const child = spawn("npx", ["wrangler", "dev", "--local", "--persist-to", STATE, "--port", String(PORT), "--ip", "127.0.0.1"], { cwd: ROOT, env: ENV, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d)); child.stderr!.on("data", (d) => (out += d));
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 500));
    try { await fetch(`http://127.0.0.1:${PORT}/health`); return child; } catch { /* not yet */ }
    if (child.exitCode !== null) break;
  }
  throw new Error(`wrangler dev did not start:\n${out.slice(-2000)}`);
}
async function stopDev(child: ChildProcess) {
  try { process.kill(-child.pid!, "SIGTERM"); } catch { /* gone */ }
  await new Promise((r) => setTimeout(r, 1500));
}

function d1File(): string {
  const dir = path.join(STATE, "v3/d1/miniflare-D1DatabaseObject");
  const f = fs.readdirSync(dir).filter((n) => n.endsWith(".sqlite") && n !== "metadata.sqlite");
  if (f.length !== 1) throw new Error(`expected one D1 file in ${dir}, found ${f.join(", ")}`);
  return path.join(dir, f[0]!);
}

// ---------------------------------------------------------------------------------------------------------------
async function main() {
  log(`N=${N} noise=${NOISE} iters=${ITERS} state=${STATE}`);
  fs.rmSync(STATE, { recursive: true, force: true });
  let t = performance.now();
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE]);
  log(`migrations applied in ${(performance.now() - t).toFixed(0)} ms`);

  // --- the bench user -------------------------------------------------------------------------------------------
  let userId = `bench_${crypto.randomUUID()}`;
  let token: string | null = null;
  let httpNote = "";
  if (HTTP) {
    const dev = await startDev();
    try {
      const email = `bench-${Date.now()}@example.com`;
      const password = "bench-password-123456!";
      const reg = await fetch(`http://127.0.0.1:${PORT}/v1/auth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });
      if (reg.ok) {
        token = ((await reg.json()) as { accessToken: string }).accessToken;
        const me = await fetch(`http://127.0.0.1:${PORT}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
        if (me.ok) userId = ((await me.json()) as { id: string }).id;
        else { httpNote = `GET /v1/me → ${me.status}`; token = null; }
      } else httpNote = `POST /v1/auth/register → ${reg.status}`;
    } finally { await stopDev(dev); }
  }
  const noiseUser = `bench_noise_${crypto.randomUUID()}`;

  // --- seed ------------------------------------------------------------------------------------------------------
  const file = d1File();
  let db = new Database(file);
  t = performance.now();
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff);
  db.exec(`CREATE TABLE IF NOT EXISTS legacy_images (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, filename TEXT NOT NULL, r2_key TEXT NOT NULL, tags TEXT NOT NULL, created_at INTEGER NOT NULL);
           CREATE INDEX IF NOT EXISTS legacy_images_user ON legacy_images(user_id);`);
  const insUser = db.prepare("INSERT OR IGNORE INTO users (id, email, password_hash, created_at) VALUES (?, ?, 'x', ?)");
  const insImg = db.prepare(`INSERT INTO images (id, user_id, r2_key, filename, content_type, bytes, width, height, sha256, tag_status, created_at) VALUES (?, ?, ?, ?, 'image/jpeg', ?, 640, 480, ?, 'tagged', ?)`);
  const insTag = db.prepare("INSERT INTO image_tags (image_id, user_id, label, score, source) VALUES (?, ?, ?, ?, 'ai')");
  const insLegacy = db.prepare("INSERT INTO legacy_images (id, user_id, filename, r2_key, tags, created_at) VALUES (?, ?, ?, ?, ?, ?)");
  db.transaction(() => {
    insUser.run(userId, `${userId}@bench.invalid`, Date.now());
    insUser.run(noiseUser, `${noiseUser}@bench.invalid`, Date.now());
    const total = N + NOISE;
    let mine = 0;
    for (let i = 0; i < total; i++) {
      const owner = mine < N && (i % 6 !== 5 || total - i <= N - mine) ? userId : noiseUser;
      if (owner === userId) mine++;
      const id = `img_${i.toString(36).padStart(8, "0")}_${(rnd() * 1e9).toFixed(0)}`;
      const created = 1_700_000_000_000 + i * 1000;
      insImg.run(id, owner, `${owner}/${id}`, `photo-${i}.jpg`, 100_000 + i, id.padEnd(64, "0"), created);
      // ResNet-like top-5: distinct labels, decreasing confidence
      const used: { label: string; score: number }[] = [];
      let s = 0.3 + rnd() * 0.69;
      while (used.length < 5) {
        const label = LABELS[Math.floor(rnd() * LABELS.length)]!;
        if (used.some((u) => u.label === label)) continue;
        used.push({ label, score: Math.round(s * 1e4) / 1e4 });
        s *= 0.1 + rnd() * 0.6;
      }
      for (const u of used) insTag.run(id, owner, u.label, u.score);
      insLegacy.run(id, owner, `photo-${i}.jpg`, `${owner}/${id}`, JSON.stringify(used), created);
    }
  })();
  const seedMs = performance.now() - t;
  t = performance.now();
  db.transaction(() => { for (const sql of REBUILD_ALL_SQL) db.exec(sql); })();
  const ftsMs = performance.now() - t;
  db.exec("ANALYZE");
  const size = (name: string) => (db.prepare("SELECT sum(pgsize) AS s FROM dbstat WHERE name LIKE ?").get(name) as { s: number }).s;
  log(`seeded ${N + NOISE} images / ${(N + NOISE) * 5} tags in ${seedMs.toFixed(0)} ms, FTS built in ${ftsMs.toFixed(0)} ms; index ${(size("image_search%") / 1e6).toFixed(1)} MB, image_tags ${(size("image_tags%") / 1e6).toFixed(1)} MB`);

  const results: Record<string, Record<string, number[]>> = {};
  const rec = (cls: string, key: string, v: number) => ((results[cls] ??= {})[key] ??= []).push(v);
  const sample = (cls: string, i: number) => CLASSES[cls]!.queries[i % CLASSES[cls]!.queries.length]!;
  const likeSql = "SELECT * FROM legacy_images WHERE user_id = ? AND tags LIKE ?";
  const counts: Record<string, string> = {};

  // --- direct: better-sqlite3 ------------------------------------------------------------------------------------
  const shim = {
    prepare(sql: string) {
      // better-sqlite3 binds ?NNN positionally only once each: rename them to named parameters.
      const st = db.prepare(sql.replace(/\?(\d+)/g, "@p$1"));
      return { bind: (...p: unknown[]) => ({ all: async () => { const named = Object.fromEntries(p.map((v, i) => [`p${i + 1}`, v])); const t0 = performance.now(); const results = st.all(named); return { results, meta: { duration: performance.now() - t0 } }; } }) };
    },
  } as unknown as D1Database;
  for (const cls of Object.keys(CLASSES)) {
    const { match } = CLASSES[cls]!;
    const like = db.prepare(likeSql);
    const cnt = db.prepare(`SELECT count(*) AS c FROM image_search WHERE image_search MATCH ? AND rowid BETWEEN (SELECT n FROM image_search_owner WHERE user_id = ?) * 68719476736 AND (SELECT n FROM image_search_owner WHERE user_id = ?) * 68719476736 + 68719476735`);
    counts[cls] = CLASSES[cls]!.queries.map((q) => `${q}=${(cnt.get(q.split(" ").map((w) => `"${w}"*`).join(" AND "), userId, userId) as { c: number }).c}`).join(" ");
    for (let i = 0; i < ITERS + 5; i++) {
      const q = sample(cls, i);
      const r = await searchImages(shim, { userId, q, match, limit: 20 });
      if ("error" in r) throw new Error(r.error);
      const t0 = performance.now(); like.all(userId, `%${q}%`); const likeMs = performance.now() - t0;
      if (i < 5) continue; // warm-up
      rec(cls, "direct.search", r.dbMs);
      rec(cls, "direct.like", likeMs);
    }
  }
  db.close();

  // --- d1: local D1 in workerd via getPlatformProxy --------------------------------------------------------------
  const { getPlatformProxy } = (await import(path.join(ROOT, "node_modules/wrangler/wrangler-dist/cli.js"))) as typeof import("wrangler");
  const proxy = await getPlatformProxy<{ DB: D1Database }>({ configPath: path.join(ROOT, "wrangler.toml"), environment: "test", persist: { path: path.join(STATE, "v3") } });
  try {
    for (const cls of Object.keys(CLASSES)) {
      const { match } = CLASSES[cls]!;
      for (let i = 0; i < ITERS + 5; i++) {
        const q = sample(cls, i);
        let t0 = performance.now();
        const r = await searchImages(proxy.env.DB, { userId, q, match, limit: 20 });
        const wall = performance.now() - t0;
        if ("error" in r) throw new Error(r.error);
        t0 = performance.now();
        const l = await proxy.env.DB.prepare(likeSql).bind(userId, `%${q}%`).all();
        const likeWall = performance.now() - t0;
        if (i < 5) continue;
        rec(cls, "d1.search.duration", r.dbMs); rec(cls, "d1.search.wall", wall);
        rec(cls, "d1.like.duration", l.meta.duration); rec(cls, "d1.like.wall", likeWall);
      }
    }
    // deep pagination of a broad query: pages 1..10 of "s"
    let cursor: string | null = null;
    for (let p = 0; p < 10; p++) {
      const r = await searchImages(proxy.env.DB, { userId, q: "s", match: "all", limit: 20, cursor });
      if ("error" in r) throw new Error(r.error);
      rec("broad-1 pages 1-10", "d1.search.duration", r.dbMs);
      cursor = r.nextCursor;
    }
  } finally { await proxy.dispose(); }

  // --- http: the route end to end --------------------------------------------------------------------------------
  if (HTTP && token) {
    const dev = await startDev();
    try {
      const probe = await fetch(`http://127.0.0.1:${PORT}/v1/images/search?q=cat&match=all&limit=20`, { headers: { authorization: `Bearer ${token}` } });
      if (probe.status === 404) httpNote = "GET /v1/images/search → 404 (route not there yet)";
      else {
        for (const cls of Object.keys(CLASSES)) {
          const { match } = CLASSES[cls]!;
          for (let i = 0; i < ITERS + 5; i++) {
            const q = sample(cls, i);
            const t0 = performance.now();
            const res = await fetch(`http://127.0.0.1:${PORT}/v1/images/search?${new URLSearchParams({ q, match, limit: "20" })}`, { headers: { authorization: `Bearer ${token}` } });
            await res.arrayBuffer();
            const wall = performance.now() - t0;
            if (!res.ok) throw new Error(`search ${q} → ${res.status}`);
            const dur = /db;dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1];
            if (i < 5) continue;
            rec(cls, "http.wall", wall);
            if (dur !== undefined) rec(cls, "http.db", Number(dur));
          }
        }
      }
    } finally { await stopDev(dev); }
  } else if (HTTP && !httpNote) httpNote = "no token";

  // --- report ----------------------------------------------------------------------------------------------------
  const cols = ["direct.search", "direct.like", "d1.search.duration", "d1.search.wall", "d1.like.duration", "d1.like.wall", "http.db", "http.wall"];
  console.log(`\n## N=${N} images (+${NOISE} noise), ${N * 5} tags for the bench user, ${ITERS} samples per cell, first page limit 20; p50 / p95 in ms`);
  console.log(`seed ${seedMs.toFixed(0)} ms (${N + NOISE} images, ${(N + NOISE) * 5} tags, legacy table), FTS build ${ftsMs.toFixed(0)} ms`);
  console.log(`| class | ${cols.join(" | ")} |`);
  console.log(`|---|${cols.map(() => "---").join("|")}|`);
  for (const [cls, m] of Object.entries(results)) {
    console.log(`| ${cls} | ${cols.map((c) => (m[c] ? `${fmt(pct(m[c]!, 50))} / ${fmt(pct(m[c]!, 95))}` : "-")).join(" | ")} |`);
  }
  for (const [cls, c] of Object.entries(counts)) console.log(`matches ${cls}: ${c}`);
  if (httpNote) console.log(`http: ${httpNote}`);
  fs.writeFileSync(path.join(ROOT, "bench/.data", `results-${N}.json`), JSON.stringify({ N, NOISE, ITERS, seedMs, ftsMs, results, counts, httpNote }, null, 1));
}

main().catch((e) => { console.error(e); process.exit(1); });
