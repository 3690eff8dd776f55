// Search benchmark: `npm run bench:search -- --images 100000` (= `npx tsx bench/search.ts …`, see bench/README.md).
//
// 1. a fresh local D1 under bench/.data/state-<N> (`wrangler d1 migrations apply DB --local --persist-to`),
// 2. `wrangler dev --local` is started, one bench user is registered over HTTP (POST /v1/auth/register; the only
//    auth request of the run), dev is stopped,
// 3. N images + 5N tags for that user and N/5 images of a noise user, written straight into the D1 SQLite file with
//    better-sqlite3 in one transaction, plus the legacy table (bench only) and the FTS index (REBUILD_ALL_SQL),
// 4. timings per query class, in this order so the LIKE scans cannot evict the FTS pages of the other phases:
//    - sqlite: the exact rankedSearch() code over better-sqlite3 on the same file (µs clock, SQL execution only),
//    - http: GET /v1/images/search end to end against `wrangler dev --local` (wall time seen by the client) and the
//      route's `Server-Timing: db;dur=` (= D1 meta.duration summed over the page's queries; local D1 reports
//      whole milliseconds), plus pages 1–10 of a broad query,
//    - like: the legacy `SELECT * FROM legacy_images WHERE user_id = ? AND tags LIKE '%q%'` (no limit) over
//      better-sqlite3, last.
//    Every phase warms up first (--warmup, default 20 requests per class) and then takes --iters samples per class.
// 5. autocomplete (GET /v1/tags?prefix=d|do, with its broader terms): listTags() over better-sqlite3 (both statements)
//    and its broader-terms statement alone (countBroaderTerms), and the route over HTTP; a table of its own.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { insertUser } from "../src/auth/store/users";
import { ImageService } from "../src/images/images.service";
import { rankedSearch, type SearchMatch } from "../src/images/search/ranked-search";
import { parseSearchQuery, toFtsMatch } from "../src/images/search/search-query";
import { originalKey } from "../src/images/store/image-objects";
import { insertImageStatement } from "../src/images/store/image-rows";
import { countBroaderTerms } from "../src/images/store/label-terms";
import { REBUILD_ALL_SQL, SEARCH_SEQ_SPAN } from "../src/images/store/search-index";
import { insertAiTagsStatement } from "../src/images/store/tag-rows";
import { RESNET50_MODEL } from "../src/images/tagger";
import type { Platform } from "../src/platform";
import { BENCH_ENV, startDev, stopDev } from "./dev-server";
import { sqliteD1 } from "./sqlite-d1";

const ROOT = path.resolve(import.meta.dirname, "..");
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (a.startsWith("--"))
    args.set(
      a.slice(2),
      process.argv[i + 1]?.startsWith("--") || i + 1 >= process.argv.length ? "1" : process.argv[++i]!,
    );
}
const N = Number(args.get("images") ?? 10000);
const NOISE = Number(args.get("noise") ?? Math.round(N / 5));
const ITERS = Number(args.get("iters") ?? 200); // samples per query class and method
const WARMUP = Number(args.get("warmup") ?? 20);
const LIKE_ITERS = Number(args.get("like-iters") ?? 40); // the LIKE scans take up to ~1 s each at 100k
const PORT = Number(args.get("port") ?? 8790);
const HTTP = !args.has("no-http");
/** Merge the FTS5 index into one segment after building it: the state the hourly `merge` converges to. */
const OPTIMIZE = args.has("optimize");
const STATE = path.join(ROOT, "bench/.data", `state-${N}`);

// better-sqlite3@12, a devDependency (v13 segfaults on Node 20). Untyped here: the bench only prepares and runs SQL.
const Database = createRequire(import.meta.url)("better-sqlite3");
/** The 1000 ImageNet classes as the API stores them: tagger/labels.json (Workers AI form, "GOLDEN RETRIEVER"), normalised. */
const LABELS: string[] = (JSON.parse(fs.readFileSync(path.join(ROOT, "tagger/labels.json"), "utf8")) as string[]).map(
  (label) => label.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim(),
);

const CLASSES: Record<string, { queries: string[]; match: SearchMatch }> = {
  selective: {
    queries: ["persian", "toucan", "pelican", "zebra", "volcano", "espresso", "tabby", "goldfish"],
    match: "all",
  },
  "multi-token": {
    queries: [
      "golden retriever",
      "tiger cat",
      "great white shark",
      "border collie",
      "french bulldog",
      "red wolf",
      "grey whale",
      "snow leopard",
    ],
    match: "all",
  },
  "broad-1": { queries: ["s", "c", "b", "p"], match: "all" },
  "broad-2": { queries: ["ca", "st", "ma", "co"], match: "all" },
  // Whole words that reach specific labels through their WordNet ancestors (≈ 12 % of ImageNet classes are dogs).
  "broad-word": { queries: ["dog", "animal", "vehicle", "food"], match: "all" },
};
/** Autocomplete prefixes for GET /v1/tags (limit 50): the broader terms of "d" (~30 words), "do" (dog, domestic, …). */
const TAG_PREFIXES = ["d", "do"];

const log = (...a: unknown[]) => console.error("[bench]", ...a);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const fmt = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(x < 10 ? 2 : 1));
const sample = (cls: string, i: number) => CLASSES[cls]!.queries[i % CLASSES[cls]!.queries.length]!;

function wrangler(argv: string[]) {
  const r = spawnSync("npx", ["wrangler", ...argv], { cwd: ROOT, env: BENCH_ENV, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wrangler ${argv.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
}

function d1File(): string {
  const dir = path.join(STATE, "v3/d1/miniflare-D1DatabaseObject");
  const f = fs.readdirSync(dir).filter((n) => n.endsWith(".sqlite") && n !== "metadata.sqlite");
  if (f.length !== 1) throw new Error(`expected one D1 file in ${dir}, found ${f.join(", ")}`);
  return path.join(dir, f[0]!);
}

// ---------------------------------------------------------------------------------------------------------------
async function main() {
  log(`N=${N} noise=${NOISE} iters=${ITERS} warmup=${WARMUP} like-iters=${LIKE_ITERS} state=${STATE}`);
  fs.rmSync(STATE, { recursive: true, force: true });
  let t = performance.now();
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE]);
  log(`migrations applied in ${(performance.now() - t).toFixed(0)} ms`);

  // --- the bench user: one registration per run (registrations count against the per-IP auth rate limit) -------
  let userId = `bench_${crypto.randomUUID()}`;
  let token: string | null = null;
  let httpNote = "";
  if (HTTP) {
    await startDev({ state: STATE, port: PORT });
    try {
      const email = `bench-${Date.now()}@example.com`;
      const reg = await fetch(`http://127.0.0.1:${PORT}/v1/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "bench-password-123456!" }),
      });
      const body = (await reg.json().catch(() => null)) as {
        user?: { id?: string };
        tokens?: { accessToken?: string };
      } | null;
      if (reg.status === 201 && body?.user?.id && body.tokens?.accessToken) {
        userId = body.user.id;
        token = body.tokens.accessToken;
      } else httpNote = `POST /v1/auth/register → ${reg.status} ${JSON.stringify(body).slice(0, 200)}`;
    } finally {
      await stopDev();
    }
    if (!token) throw new Error(`could not register the bench user: ${httpNote}`);
    log(`registered ${userId}`);
  }
  const noiseUser = `bench_noise_${crypto.randomUUID()}`;

  // --- seed ------------------------------------------------------------------------------------------------------
  const file = d1File();
  let db = new Database(file);
  t = performance.now();
  let seed = 12345;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  db.exec(`CREATE TABLE IF NOT EXISTS legacy_images (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, filename TEXT NOT NULL, r2_key TEXT NOT NULL, tags TEXT NOT NULL, created_at INTEGER NOT NULL);
           CREATE INDEX IF NOT EXISTS legacy_images_user ON legacy_images(user_id);`);
  const insLegacy = db.prepare(
    "INSERT INTO legacy_images (id, user_id, filename, r2_key, tags, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  // The product's own insert statements (src/auth/users.ts, src/images/store/*), run on the D1 file.
  const d1 = sqliteD1(db);
  db.exec("BEGIN");
  // The bench user already exists when it registered over HTTP.
  for (const id of token ? [noiseUser] : [userId, noiseUser]) {
    await insertUser(d1, { id, email: `${id}@bench.invalid`, password_hash: "x", created_at: Date.now() });
  }
  const total = N + NOISE;
  let mine = 0;
  for (let i = 0; i < total; i++) {
    const owner = mine < N && (i % 6 !== 5 || total - i <= N - mine) ? userId : noiseUser;
    if (owner === userId) mine++;
    const id = `img_${i.toString(36).padStart(8, "0")}_${(rnd() * 1e9).toFixed(0)}`;
    const created = 1_700_000_000_000 + i * 1000;
    const sha256 = id.padEnd(64, "0");
    await insertImageStatement(d1, {
      id,
      user_id: owner,
      r2_key: originalKey(owner, sha256),
      filename: `photo-${i}.jpg`,
      content_type: "image/jpeg",
      bytes: 100_000 + i,
      width: 640,
      height: 480,
      sha256,
      tag_status: "tagged",
      tag_error: null,
      created_at: created,
    }).all();
    // ResNet-like top-5: distinct labels, decreasing confidence
    const used: { label: string; score: number }[] = [];
    let s = 0.3 + rnd() * 0.69;
    while (used.length < 5) {
      const label = LABELS[Math.floor(rnd() * LABELS.length)]!;
      if (used.some((u) => u.label === label)) continue;
      used.push({ label, score: Math.round(s * 1e4) / 1e4 });
      s *= 0.1 + rnd() * 0.6;
    }
    await insertAiTagsStatement(d1, id, owner, used, RESNET50_MODEL).run();
    insLegacy.run(id, owner, `photo-${i}.jpg`, `${owner}/${id}`, JSON.stringify(used), created);
  }
  db.exec("COMMIT");
  const seedMs = performance.now() - t;
  t = performance.now();
  db.transaction(() => {
    for (const sql of REBUILD_ALL_SQL) db.exec(sql);
  })();
  if (OPTIMIZE) db.exec("INSERT INTO image_search (image_search) VALUES ('optimize')");
  const ftsMs = performance.now() - t;
  db.exec("ANALYZE");
  const size = (name: string) =>
    (db.prepare("SELECT sum(pgsize) AS s FROM dbstat WHERE name LIKE ?").get(name) as { s: number }).s;
  const sizes = `index ${(size("image_search%") / 1e6).toFixed(1)} MB, image_tags ${(size("image_tags%") / 1e6).toFixed(1)} MB, legacy_images ${(size("legacy_images%") / 1e6).toFixed(1)} MB`;
  log(
    `seeded ${N + NOISE} images / ${(N + NOISE) * 5} tags in ${seedMs.toFixed(0)} ms, FTS built in ${ftsMs.toFixed(0)} ms; ${sizes}`,
  );

  const results: Record<string, Record<string, number[]>> = {};
  const rec = (cls: string, key: string, v: number) => {
    results[cls] ??= {};
    results[cls][key] ??= [];
    results[cls][key].push(v);
  };

  // matches per query (the bench user's documents)
  const counts: Record<string, number[]> = {};
  const cnt = db.prepare(`SELECT count(*) AS c FROM image_search WHERE image_search MATCH ? AND rowid BETWEEN ? AND ?`);
  const n = (db.prepare("SELECT n FROM image_search_owner WHERE user_id = ?").get(userId) as { n: number }).n;
  for (const [cls, { queries, match }] of Object.entries(CLASSES)) {
    counts[cls] = queries.map(
      (q) =>
        (
          cnt.get(toFtsMatch(parseSearchQuery(q), match), n * SEARCH_SEQ_SPAN, (n + 1) * SEARCH_SEQ_SPAN - 1) as {
            c: number;
          }
        ).c,
    );
  }

  // --- sqlite: rankedSearch() over better-sqlite3 (SQL execution time only) ---------------------------------------
  const shim = sqliteD1(db);
  for (const [cls, { match }] of Object.entries(CLASSES)) {
    for (let i = 0; i < WARMUP + ITERS; i++) {
      const r = await rankedSearch(shim, { userId, q: sample(cls, i), match, limit: 20 });
      if ("error" in r) throw new Error(r.error);
      if (i >= WARMUP) rec(cls, "sqlite", r.dbMs);
    }
  }
  // Autocomplete: wall time around the calls, which run synchronously on better-sqlite3 (≈ SQL execution time).
  const tagResults: Record<string, Record<string, number[]>> = {};
  const tagTop: Record<string, string> = {};
  const recTags = (prefix: string, key: string, v: number) => {
    tagResults[prefix] ??= {};
    tagResults[prefix][key] ??= [];
    tagResults[prefix][key].push(v);
  };
  // The service GET /v1/tags calls, on the better-sqlite3 shim (it reads only `db`).
  const library = new ImageService({ db: shim } as unknown as Platform);
  for (const prefix of TAG_PREFIXES) {
    for (let i = 0; i < WARMUP + ITERS; i++) {
      let t0 = performance.now();
      const terms = await countBroaderTerms(shim, userId, prefix, 50);
      const broaderMs = performance.now() - t0;
      t0 = performance.now();
      const list = await library.listTags({ userId }, { prefix, limit: 50 });
      const listMs = performance.now() - t0;
      if (terms.length === 0) throw new Error(`tags?prefix=${prefix}: no broader terms`);
      tagTop[prefix] = `${terms.length} terms: ${terms
        .slice(0, 3)
        .map((t) => `${t.term} ${t.count}`)
        .join(", ")}; ${list.items.length} tags`;
      if (i < WARMUP) continue;
      recTags(prefix, "broader", broaderMs);
      recTags(prefix, "listTags", listMs);
    }
  }
  db.close();

  // --- http: the route end to end --------------------------------------------------------------------------------
  if (HTTP && token) {
    await startDev({ state: STATE, port: PORT });
    try {
      const get = async (q: string, match: string, cursor?: string | null) => {
        const qs = new URLSearchParams({ q, match, limit: "20" });
        if (cursor) qs.set("cursor", cursor);
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${PORT}/v1/images/search?${qs}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = (await res.json()) as { items?: unknown[]; nextCursor?: string | null };
        const wall = performance.now() - t0;
        if (res.status !== 200)
          throw new Error(`GET /v1/images/search?${qs} → ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
        const dur = /db;dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1];
        return {
          wall,
          db: dur === undefined ? NaN : Number(dur),
          items: body.items?.length ?? 0,
          next: body.nextCursor ?? null,
        };
      };
      for (const [cls, { match }] of Object.entries(CLASSES)) {
        for (let i = 0; i < WARMUP + ITERS; i++) {
          const r = await get(sample(cls, i), match);
          if (r.items === 0) throw new Error(`${sample(cls, i)}: no items over HTTP`);
          if (i < WARMUP) continue;
          rec(cls, "http", r.wall);
          rec(cls, "d1", r.db);
        }
      }
      // pages 1..10 of "s", 10 times
      for (let k = 0; k < 10; k++) {
        let cursor: string | null = null;
        for (let p = 0; p < 10; p++) {
          const r = await get("s", "all", cursor);
          rec("broad-1, pages 1–10", "http", r.wall);
          rec("broad-1, pages 1–10", "d1", r.db);
          cursor = r.next;
        }
      }
      for (const prefix of TAG_PREFIXES) {
        for (let i = 0; i < WARMUP + ITERS; i++) {
          const t0 = performance.now();
          const res = await fetch(`http://127.0.0.1:${PORT}/v1/tags?${new URLSearchParams({ prefix, limit: "50" })}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          const body = (await res.json()) as { broaderTerms?: unknown[] };
          const wall = performance.now() - t0;
          if (res.status !== 200 || !body.broaderTerms?.length)
            throw new Error(`GET /v1/tags?prefix=${prefix} → ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
          if (i >= WARMUP) recTags(prefix, "http", wall);
        }
      }
    } finally {
      await stopDev();
    }
  }

  // --- like: the legacy scan, last -------------------------------------------------------------------------------
  db = new Database(file, { readonly: true });
  const like = db.prepare("SELECT * FROM legacy_images WHERE user_id = ? AND tags LIKE ?");
  const likeRows: Record<string, number[]> = {};
  for (const cls of Object.keys(CLASSES)) {
    const w = Math.min(WARMUP, 4);
    for (let i = 0; i < w + LIKE_ITERS; i++) {
      const q = sample(cls, i);
      const t0 = performance.now();
      const rows = like.all(userId, `%${q}%`);
      const ms = performance.now() - t0;
      if (i >= w) {
        rec(cls, "like", ms);
        if (i - w < CLASSES[cls]!.queries.length) {
          likeRows[cls] ??= [];
          likeRows[cls].push(rows.length);
        }
      }
    }
  }
  db.close();

  // --- report ----------------------------------------------------------------------------------------------------
  const cell = (xs?: number[]) => (xs?.length ? `${fmt(pct(xs, 50))} / ${fmt(pct(xs, 95))}` : "-");
  const med = (xs: number[]) => pct(xs, 50);
  console.log(`\n## Tag search, N=${N} images (+${NOISE} of a noise user), ${N * 5} tags for the bench user`);
  console.log(
    `\np50 / p95 in ms, first page (limit 20); ${ITERS} samples per cell after ${WARMUP} warm-up requests (LIKE: ${LIKE_ITERS}), queries cycled within a class.`,
  );
  console.log(
    `HTTP = GET /v1/images/search end to end (client wall time, wrangler dev --local); D1 = its Server-Timing db dur (local D1 meta.duration: whole ms);`,
  );
  console.log(
    `better-sqlite3 = the same rankedSearch() SQL on the same SQLite file; LIKE = legacy \`SELECT * … WHERE user_id = ? AND tags LIKE '%q%'\` on better-sqlite3, no limit.\n`,
  );
  console.log(`| class | matches (median) | HTTP | D1 | better-sqlite3 | LIKE | LIKE rows (median) |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|`);
  for (const [cls, m] of Object.entries(results)) {
    console.log(
      `| ${cls} | ${counts[cls] ? med(counts[cls]!) : "-"} | ${cell(m.http)} | ${cell(m.d1)} | ${cell(m.sqlite)} | ${cell(m.like)} | ${likeRows[cls] ? med(likeRows[cls]!) : "-"} |`,
    );
  }
  console.log(
    `\n## Autocomplete, GET /v1/tags?prefix=…&limit=50 (p50 / p95 in ms, ${ITERS} samples after ${WARMUP})\n`,
  );
  console.log(`| prefix | result | HTTP | listTags, better-sqlite3 | broader-terms statement, better-sqlite3 |`);
  console.log(`|---|---|---:|---:|---:|`);
  for (const prefix of TAG_PREFIXES) {
    const m = tagResults[prefix] ?? {};
    console.log(`| \`${prefix}\` | ${tagTop[prefix]} | ${cell(m.http)} | ${cell(m.listTags)} | ${cell(m.broader)} |`);
  }
  console.log(`\nseed ${(seedMs / 1000).toFixed(1)} s, FTS build ${(ftsMs / 1000).toFixed(1)} s; ${sizes}`);
  for (const [cls, { queries }] of Object.entries(CLASSES))
    console.log(`matches ${cls}: ${queries.map((q, i) => `${q}=${counts[cls]![i]}`).join(", ")}`);
  if (!HTTP) console.log("HTTP skipped (--no-http)");
  fs.writeFileSync(
    path.join(ROOT, "bench/.data", `results-${N}.json`),
    JSON.stringify(
      { N, NOISE, ITERS, WARMUP, LIKE_ITERS, seedMs, ftsMs, results, counts, likeRows, tagResults },
      null,
      1,
    ),
  );
}

main().then(
  () => process.exit(0),
  async (e) => {
    console.error(e);
    await stopDev();
    process.exit(1);
  },
);
