// Search benchmark: `npm run bench:search -- --images 100000` (= `npx tsx bench/search.ts …`, see bench/README.md).
//
// One user's library (the `Library` Durable Object, SQLite storage) with N images, measured three ways in one run:
// 1. a fresh local D1 under bench/.data/state-<N> (`wrangler d1 migrations apply DB --local --persist-to`);
// 2. `wrangler dev --local --persist-to` is started, one bench user is registered over HTTP, GET /v1/images opens
//    the user's library object (its schema is laid out, its owner recorded), dev is stopped;
// 3. the object's .sqlite file (the only one under v3/do/<worker>-Library/) is filled with N images + 5N tags by
//    the library's own engine (LibraryEngine.beginUpload + insert: the row, the tags, the search document and the
//    word counts in one transaction per image, exactly as an upload), running in Node over better-sqlite3 through
//    sql-storage.ts; the broader words of each label come from D1's label_terms through lookupLabelWords, as in
//    production. The legacy table for the LIKE baseline goes to a file of its own (legacy.sqlite);
// 4. timings, in this order so the LIKE scans cannot evict the library's pages before the other phases:
//    - sql: rankedSearch() (and the list page, and autocomplete's countTags + countBroaderTerms) over better-sqlite3
//      on the object's file: the time inside SqlStorage.exec (µs clock), and the whole call;
//    - http: GET /v1/images/search end to end against `wrangler dev --local` (client wall time) and the route's
//      `Server-Timing: library;dur=` (the call to the library object, timed in the Worker), pages 1–10 of a broad
//      query, GET /v1/images page 1 and page 10 (cursor), GET /v1/tags?prefix=…;
//    - like: the legacy `SELECT * FROM legacy_images WHERE user_id = ? AND tags LIKE '%q%'` (no limit), last.
//    Every phase warms up first (--warmup, default 20 per class) and then takes --iters samples per class.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { normaliseLabel } from "../src/images/labels";
import { type LibraryCall, LibraryEngine } from "../src/images/library/library-engine";
import { emptyPhotoMetadata } from "../src/images/photo-metadata";
import { rankedSearch, SEARCH_WINDOW, type SearchMatch } from "../src/images/search/ranked-search";
import { parseSearchQuery, toFtsMatch } from "../src/images/search/search-query";
import { originalKey } from "../src/images/store/image-objects";
import { LIBRARY_SCHEMA, type LibraryDb, readMeta } from "../src/images/store/library-schema";
import { countBroaderTerms, SEARCH_WEIGHTS, wholeWords } from "../src/images/store/search-index";
import { countTags } from "../src/images/store/tag-rows";
import { RESNET50_MODEL } from "../src/images/tagger";
import type { Platform } from "../src/platform";
import { BENCH_ENV, startDev, stopDev } from "./dev-server";
import { keepAliveClient } from "./keep-alive";
import { type BetterSqlite, sqlStorage } from "./sql-storage";
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
const ITERS = Number(args.get("iters") ?? 200); // samples per query class and method
const WARMUP = Number(args.get("warmup") ?? 20);
const LIKE_ITERS = Number(args.get("like-iters") ?? 40); // the LIKE scans take up to ~1 s each at 100k
const PORT = Number(args.get("port") ?? 8790);
const HTTP = !args.has("no-http");
/** Merge the FTS5 index into one segment after building it (by default it is as 100k uploads and automerge leave it). */
const OPTIMIZE = args.has("optimize");
const STATE = path.join(ROOT, "bench/.data", `state-${N}`);
/** Images per outer transaction while seeding (each image is its own transactionSync inside, a savepoint). */
const SEED_BATCH = 1000;
/** A Durable Object's storage limit (SQLite-backed, paid plan), in bytes (10 GB). */
const OBJECT_LIMIT_BYTES = 10e9;

// better-sqlite3@12, a devDependency (v13 segfaults on Node 20), typed in sql-storage.ts as far as it is used.
const Database = createRequire(import.meta.url)("better-sqlite3") as new (
  file: string,
  options?: { readonly?: boolean },
) => BetterSqlite & { close(): void };
/** The 1000 ImageNet classes as the API stores them: tagger/labels.json (Workers AI form, "GOLDEN RETRIEVER"), normalised. */
const LABELS: string[] = (JSON.parse(fs.readFileSync(path.join(ROOT, "tagger/labels.json"), "utf8")) as string[]).map(
  normaliseLabel,
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
const PAGES = "broad-1 `s`, pages 1–10";
/** The one request measured through Node's fetch instead of the bench's client (bench/keep-alive.ts). */
const FETCH_REFERENCE = "GET /v1/auth/config, through fetch";
const BROAD = ["broad-1", "broad-2", "broad-word"];
/** The windows a broad first page is measured with, piece by piece. */
const PIECE_WINDOWS = [2000, 1000, 500];
/** Autocomplete prefixes for GET /v1/tags (limit 50): the broader terms of "d" (~30 words), "do" (dog, domestic, …). */
const TAG_PREFIXES = ["d", "do"];
const TARGETS = {
  httpP50: 10,
  sqlP95: { selective: 3, "multi-token": 3, "broad-1": 10, "broad-2": 10, "broad-word": 10 } as Record<string, number>,
  autocompleteP95: 5,
};

const log = (...a: unknown[]) => console.error("[bench]", ...a);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
const fmt = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(x < 10 ? 2 : 1));
const cell = (xs?: number[]) => (xs?.length ? `${fmt(pct(xs, 50))} / ${fmt(pct(xs, 95))}` : "-");
const sample = (cls: string, i: number) => CLASSES[cls]!.queries[i % CLASSES[cls]!.queries.length]!;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");

function wrangler(argv: string[]) {
  const r = spawnSync("npx", ["wrangler", ...argv], { cwd: ROOT, env: BENCH_ENV, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wrangler ${argv.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
}

/** The one .sqlite file of a miniflare storage folder (besides its metadata.sqlite). */
function onlyFile(dir: string): string {
  const files = fs.readdirSync(dir).filter((n) => n.endsWith(".sqlite") && n !== "metadata.sqlite");
  if (files.length !== 1) throw new Error(`expected one .sqlite file in ${dir}, found: ${files.join(", ") || "none"}`);
  return path.join(dir, files[0]!);
}
const d1File = () => onlyFile(path.join(STATE, "v3/d1/miniflare-D1DatabaseObject"));
/** miniflare keeps each Durable Object class's objects under v3/do/<worker name>-<class>/, one .sqlite per object. */
function libraryFile(): string {
  const root = path.join(STATE, "v3/do");
  const dirs = fs.readdirSync(root).filter((n) => n.endsWith("-Library"));
  if (dirs.length !== 1) throw new Error(`expected one *-Library folder in ${root}, found: ${dirs.join(", ")}`);
  return onlyFile(path.join(root, dirs[0]!));
}
const fileBytes = (file: string) =>
  ["", "-wal"].reduce((sum, suffix) => sum + (fs.statSync(file + suffix, { throwIfNoEntry: false })?.size ?? 0), 0);

// ---------------------------------------------------------------------------------------------------------------
async function main() {
  log(`N=${N} iters=${ITERS} warmup=${WARMUP} like-iters=${LIKE_ITERS} state=${STATE}; load average ${load()}`);
  const loadBefore = load();
  fs.rmSync(STATE, { recursive: true, force: true });
  let t = performance.now();
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE]);
  log(`migrations applied in ${(performance.now() - t).toFixed(0)} ms`);

  // --- the bench user (one registration per run: they count against the per-IP auth rate limit), and its library
  const base = `http://127.0.0.1:${PORT}`;
  const email = `bench-${Date.now()}@example.com`;
  const password = "bench-password-123456!";
  let owner = "";
  await startDev({ state: STATE, port: PORT });
  try {
    const reg = await fetch(`${base}/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    const body = (await reg.json().catch(() => null)) as {
      user?: { id?: string };
      tokens?: { accessToken?: string };
    } | null;
    if (reg.status !== 201 || !body?.user?.id || !body.tokens?.accessToken)
      throw new Error(`POST /v1/auth/register → ${reg.status} ${JSON.stringify(body).slice(0, 200)}`);
    owner = body.user.id;
    // The first call to the user's library creates its object: schema, owner, the (empty) move from D1.
    const list = await fetch(`${base}/v1/images`, { headers: { authorization: `Bearer ${body.tokens.accessToken}` } });
    if (list.status !== 200) throw new Error(`GET /v1/images → ${list.status} ${await list.text()}`);
  } finally {
    await stopDev();
  }
  const file = libraryFile();
  log(`registered ${owner}; library object file ${path.relative(ROOT, file)}`);

  // --- seed, through the library engine ---------------------------------------------------------------------------
  let lib = new Database(file);
  const d1 = new Database(d1File(), { readonly: true });
  const storage = sqlStorage(lib);
  const db: LibraryDb = { sql: storage.sql, owner };
  const schema = readMeta(db.sql, "schema");
  if (
    readMeta(db.sql, "owner") !== owner ||
    schema !== LIBRARY_SCHEMA.length ||
    readMeta(db.sql, "moved_from_d1") !== 1
  )
    throw new Error(`the library object is not the bench user's, opened at schema ${LIBRARY_SCHEMA.length}`);
  // The engine needs the object's storage, and D1 (label_terms) to learn the broader words of new labels.
  // Calls name no session (as the cron's and the queue's do), so the session check is never asked.
  const noSessions = async () => null;
  const engine = new LibraryEngine(
    { storage } as unknown as DurableObjectState,
    { db: sqliteD1(d1) } as unknown as Platform,
    noSessions,
  );
  const call = async <R>(c: LibraryCall) => {
    const answer = await engine.run(c);
    if (!("value" in answer)) throw new Error(`${c.op}: the session ended`);
    return answer.value as R;
  };
  const legacyFile = path.join(STATE, "legacy.sqlite");
  const legacy = new Database(legacyFile);
  legacy.exec(`CREATE TABLE legacy_images (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, filename TEXT NOT NULL, r2_key TEXT NOT NULL, tags TEXT NOT NULL, created_at INTEGER NOT NULL);
               CREATE INDEX legacy_images_user ON legacy_images(user_id);`);
  const insLegacy = legacy.prepare(
    "INSERT INTO legacy_images (id, user_id, filename, r2_key, tags, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  t = performance.now();
  let seed = 12345;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  legacy.exec("BEGIN");
  for (let i = 0; i < N; i++) {
    if (i % SEED_BATCH === 0) lib.exec("BEGIN");
    const id = `img_${i.toString(36).padStart(8, "0")}_${(rnd() * 1e9).toFixed(0)}`;
    const sha256 = (i + 1).toString(16).padStart(64, "0");
    const created = 1_700_000_000_000 + i * 1000;
    // ResNet-like top-5: distinct labels, decreasing confidence
    const tags: { label: string; score: number }[] = [];
    let s = 0.3 + rnd() * 0.69;
    while (tags.length < 5) {
      const label = LABELS[Math.floor(rnd() * LABELS.length)]!;
      if (tags.some((u) => u.label === label)) continue;
      tags.push({ label, score: Math.round(s * 1e4) / 1e4 });
      s *= 0.1 + rnd() * 0.6;
    }
    const begun = await call<{ ticket: number } | { existing: unknown }>({ owner, op: "beginUpload", args: [sha256] });
    if (!("ticket" in begun)) throw new Error(`seed: ${sha256} exists`);
    const image = {
      id,
      r2_key: originalKey(owner, sha256),
      filename: `photo-${i}.jpg`,
      content_type: "image/jpeg" as const,
      bytes: 100_000 + i,
      width: 640,
      height: 480,
      sha256,
      created_at: created,
      // Taken over the ten years before the upload, in no particular order (the timeline's own sort), with a hash.
      photo: { ...emptyPhotoMetadata(), takenAtMs: created - Math.floor(rnd() * 10 * 365 * 86_400_000) },
      phash: Math.floor(rnd() * 2 ** 32)
        .toString(16)
        .padStart(8, "0")
        .concat(
          Math.floor(rnd() * 2 ** 32)
            .toString(16)
            .padStart(8, "0"),
        ),
    };
    const inserted = await call<{ created?: boolean }>({
      owner,
      op: "insert",
      args: [image, { status: "tagged", tags, model: RESNET50_MODEL }, begun.ticket],
    });
    if (inserted.created !== true) throw new Error(`seed: insert ${id} → ${JSON.stringify(inserted).slice(0, 200)}`);
    insLegacy.run(id, owner, image.filename, image.r2_key, JSON.stringify(tags), created);
    if (i % SEED_BATCH === SEED_BATCH - 1 || i === N - 1) lib.exec("COMMIT");
    if ((i + 1) % 10000 === 0) log(`seeded ${i + 1} in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  legacy.exec("COMMIT");
  const seedMs = performance.now() - t;
  if (OPTIMIZE) lib.exec("INSERT INTO image_search (image_search) VALUES ('optimize')");
  lib.close(); // checkpoints the WAL into the file
  d1.close();

  // --- the object's size ------------------------------------------------------------------------------------------
  lib = new Database(file);
  const pages = lib.pragma("page_count", { simple: true }) as number;
  const pageSize = lib.pragma("page_size", { simple: true }) as number;
  const freePages = lib.pragma("freelist_count", { simple: true }) as number;
  const byTable = lib.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all() as {
    name: string;
    bytes: number;
  }[];
  const group = (test: (name: string) => boolean) =>
    byTable.filter((r) => test(String(r.name))).reduce((sum, r) => sum + Number(r.bytes), 0);
  const size = {
    fileBytes: fileBytes(file),
    databaseSize: pages * pageSize,
    freePages,
    images: group((n) => n === "images" || n.startsWith("sqlite_autoindex_images") || n.startsWith("images_")),
    imageTags: group((n) => n.startsWith("image_tags")),
    searchIndex: group((n) => n.startsWith("image_search")),
    searchDocs: group((n) => n === "search_docs"),
    termCounts: group((n) => n === "term_counts"),
    labelWords: group((n) => n === "label_words"),
  };
  const perImage = size.databaseSize / N;
  const ceiling = Math.floor(OBJECT_LIMIT_BYTES / perImage);
  log(
    `seeded ${N} images / ${N * 5} tags in ${(seedMs / 1000).toFixed(1)} s; file ${mb(size.fileBytes)}, ` +
      `page_count*page_size ${mb(size.databaseSize)} (${perImage.toFixed(0)} B/image → ${ceiling} images at 10 GB)`,
  );

  const results: Record<string, Record<string, number[]>> = {};
  const rec = (row: string, key: string, v: number) => {
    results[row] ??= {};
    results[row][key] ??= [];
    results[row][key].push(v);
  };

  // matches per query
  const counts: Record<string, number[]> = {};
  const cnt = lib.prepare("SELECT count(*) AS c FROM image_search WHERE image_search MATCH ?");
  for (const [cls, { queries, match }] of Object.entries(CLASSES)) {
    counts[cls] = queries.map((q) => Number(cnt.all(toFtsMatch(parseSearchQuery(q), match))[0]!.c));
  }

  // --- sql: the library's own code over better-sqlite3 -----------------------------------------------------------
  const sqlite = sqlStorage(lib);
  const ldb: LibraryDb = { sql: sqlite.sql, owner };
  // The engine again, on the reopened file (no D1 needed for reads): list() and listTags() are what the object runs.
  const reader = new LibraryEngine({ storage: sqlite } as unknown as DurableObjectState, {} as Platform, noSessions);
  const opened = await reader.run({ owner, op: "size", args: [] });
  log(`library: ${JSON.stringify(opened)}`);
  /** Runs fn; the time spent inside SqlStorage.exec, and the whole call, in ms. */
  const timed = <T>(fn: () => T) => {
    sqlite.resetClock();
    const t0 = performance.now();
    const value = fn();
    return { value, call: performance.now() - t0, sql: sqlite.sqlMs };
  };
  for (const [cls, { match }] of Object.entries(CLASSES)) {
    for (let i = 0; i < WARMUP + ITERS; i++) {
      const r = timed(() => rankedSearch(ldb, { q: sample(cls, i), match, limit: 20 }));
      if ("error" in r.value) throw new Error(r.value.error);
      if (r.value.hits.length === 0) throw new Error(`${sample(cls, i)}: no hits`);
      if (i < WARMUP) continue;
      rec(cls, "sql", r.sql);
      rec(cls, "call", r.call);
    }
  }
  // A broad first page piece by piece (whole calls: a one-token query is scored in JS, outside SqlStorage.exec): the
  // page with windows of 2000, 1000 and 500 matches (SEARCH_WINDOW is the one served), then what ranking with bm25
  // adds: its count of the documents that match each token (FTS5 reads each token's whole doclist once per
  // statement: measured as one scored row), against reading the newest SEARCH_WINDOW matches unscored.
  const countPass = lib.prepare(
    `SELECT -bm25(image_search, ${SEARCH_WEIGHTS.join(", ")}) AS s FROM image_search WHERE image_search MATCH ? ORDER BY rowid DESC LIMIT 1`,
  );
  const unscored = lib.prepare(
    `SELECT rowid FROM image_search WHERE image_search MATCH ? ORDER BY rowid DESC LIMIT ${SEARCH_WINDOW}`,
  );
  for (const cls of BROAD) {
    const { match } = CLASSES[cls]!;
    for (let i = 0; i < WARMUP + ITERS; i++) {
      const q = sample(cls, i);
      const tokens = parseSearchQuery(q);
      const fts = toFtsMatch(tokens, match, wholeWords(ldb, tokens));
      const pieces: Record<string, () => unknown> = {
        ...Object.fromEntries(
          PIECE_WINDOWS.map((w) => [`window ${w}`, () => rankedSearch(ldb, { q, match, limit: 20 }, { window: w })]),
        ),
        "count pass": () => countPass.all(fts),
        unscored: () => unscored.all(fts),
      };
      for (const [piece, run] of Object.entries(pieces)) {
        const r = timed(run);
        if (i >= WARMUP) rec(`${cls} pieces`, piece, r.call);
      }
    }
  }
  // The served first page as a library ranks it before its documents' words are all in search_docs: with bm25 in SQL
  // (one-token-ranking.ts), for the same queries.
  ldb.sql.exec("UPDATE search_stats SET backfill_after = backfill_until - 1");
  for (const cls of BROAD) {
    const { match } = CLASSES[cls]!;
    for (let i = 0; i < WARMUP + ITERS; i++) {
      const r = timed(() => rankedSearch(ldb, { q: sample(cls, i), match, limit: 20 }));
      if (i >= WARMUP) rec(`${cls} pieces`, "bm25", r.call);
    }
  }
  ldb.sql.exec("UPDATE search_stats SET backfill_after = backfill_until");
  for (let k = 0; k < 10 + 2; k++) {
    let cursor: string | null = null;
    for (let p = 0; p < 10; p++) {
      const r = timed(() => rankedSearch(ldb, { q: "s", match: "all", limit: 20, cursor }));
      if ("error" in r.value) throw new Error(r.value.error);
      cursor = r.value.nextCursor;
      if (k < 2) continue;
      rec(PAGES, "sql", r.sql);
      rec(PAGES, "call", r.call);
    }
  }
  // The list (GET /v1/images, limit 20): the engine's list(limit + 1, before) for page 1 and, by seq, page 10.
  const listRows = (before: number | null) => timed(() => reader.list(21, before));
  for (let i = 0; i < WARMUP + ITERS; i++) {
    let before: number | null = null;
    for (let p = 1; p <= 10; p++) {
      const r = listRows(before);
      before = r.value[19]!.seq;
      if (i >= WARMUP && (p === 1 || p === 10)) {
        rec(`list, page ${p}`, "sql", r.sql);
        rec(`list, page ${p}`, "call", r.call);
      }
    }
  }
  // The timeline (GET /v1/images?sort=taken, limit 20): page 1 and page 10 by cursor, and page 1 of one year.
  const YEAR = { from: 1_650_000_000_000, to: 1_650_000_000_000 + 365 * 86_400_000 };
  for (let i = 0; i < WARMUP + ITERS; i++) {
    let after: { at: number; seq: number } | null = null;
    for (let p = 1; p <= 10; p++) {
      const r = timed(() => reader.timeline(21, after, {}));
      const last = r.value[19]!;
      after = { at: last.taken_ms ?? last.created_at, seq: last.seq };
      if (i >= WARMUP && (p === 1 || p === 10)) {
        rec(`timeline, page ${p}`, "sql", r.sql);
        rec(`timeline, page ${p}`, "call", r.call);
      }
    }
    const year = timed(() => reader.timeline(21, null, YEAR));
    if (i >= WARMUP) {
      rec("timeline, one year", "sql", year.sql);
      rec("timeline, one year", "call", year.call);
    }
  }
  // Near-duplicates (GET /v1/images/{id}/similar, and the hint on upload): a scan of every hash in the library.
  for (let i = 0; i < WARMUP + ITERS; i++) {
    const r = timed(() => reader.lookalikes("0123456789abcdef", 10, 6));
    if (i >= WARMUP) {
      rec("near-duplicates scan", "sql", r.sql);
      rec("near-duplicates scan", "call", r.call);
    }
  }
  // Autocomplete (GET /v1/tags?prefix=…&limit=50 → the engine's listTags: countTags + countBroaderTerms).
  const tagResults: Record<string, Record<string, number[]>> = {};
  const tagTop: Record<string, string> = {};
  const recTags = (prefix: string, key: string, v: number) => {
    tagResults[prefix] ??= {};
    tagResults[prefix][key] ??= [];
    tagResults[prefix][key].push(v);
  };
  for (const prefix of TAG_PREFIXES) {
    for (let i = 0; i < WARMUP + ITERS; i++) {
      const tags = timed(() => countTags(ldb, prefix, 50));
      const broader = timed(() => countBroaderTerms(ldb, prefix, 50));
      const all = timed(() => reader.listTags(prefix, 50));
      if (broader.value.length === 0) throw new Error(`tags?prefix=${prefix}: no broader terms`);
      tagTop[prefix] = `${tags.value.length} tags, ${broader.value.length} broader words: ${broader.value
        .slice(0, 3)
        .map((b) => `${b.term} ${b.count}`)
        .join(", ")}`;
      if (i < WARMUP) continue;
      recTags(prefix, "countTags", tags.sql);
      recTags(prefix, "countBroaderTerms", broader.sql);
      recTags(prefix, "listTags", all.sql);
      recTags(prefix, "listTags call", all.call);
    }
  }
  lib.close();

  // --- http: the routes end to end ---------------------------------------------------------------------------------
  if (HTTP) {
    await startDev({ state: STATE, port: PORT });
    try {
      // A fresh access token (seeding 100k takes longer than its 15 minutes): the run's second auth request.
      const login = await fetch(`${base}/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password }),
      });
      const token = ((await login.json()) as { tokens?: { accessToken?: string } }).tokens?.accessToken;
      if (login.status !== 200 || !token) throw new Error(`POST /v1/auth/login → ${login.status}`);
      const auth = { authorization: `Bearer ${token}` };
      const client = keepAliveClient(base);
      const get = async (pathAndQuery: string) => {
        const t0 = performance.now();
        const res = await client.get(pathAndQuery, auth);
        const wall = performance.now() - t0;
        if (res.status !== 200) throw new Error(`GET ${pathAndQuery} → ${res.status} ${res.body.slice(0, 300)}`);
        const body = JSON.parse(res.body) as {
          items?: unknown[];
          nextCursor?: string | null;
          broaderTerms?: unknown[];
        };
        const dur = /library;dur=([\d.]+)/.exec(String(res.headers["server-timing"] ?? ""))?.[1];
        return { wall, library: dur === undefined ? Number.NaN : Number(dur), body };
      };
      const search = (q: string, match: string, cursor?: string | null) => {
        const qs = new URLSearchParams({ q, match, limit: "20" });
        if (cursor) qs.set("cursor", cursor);
        return get(`/v1/images/search?${qs}`);
      };
      // The floor of a request here: no I/O (/v1/auth/config), one D1 and one R2 read (/health), the bearer check
      // alone (/v1/me: the token and the session's row in D1).
      const references = [
        ["GET /v1/auth/config", "/v1/auth/config", {}],
        ["GET /health", "/health", {}],
        ["GET /v1/me", "/v1/me", auth],
      ] as const;
      // Round-robin: one request of each class and each reference per round, so that a slow moment of the machine
      // (they come and go, see README) weighs on every row alike instead of on whichever class ran then; each round
      // starts one further along, so that no row always comes right after the same other one.
      const turns: ((i: number) => Promise<void>)[] = [
        ...Object.entries(CLASSES).map(([cls, { match }]) => async (i: number) => {
          const r = await search(sample(cls, i), match);
          if (!r.body.items?.length) throw new Error(`${sample(cls, i)}: no items over HTTP`);
          if (i < WARMUP) return;
          rec(cls, "http", r.wall);
          rec(cls, "library", r.library);
        }),
        ...references.map(([row, route, headers]) => async (i: number) => {
          const t0 = performance.now();
          const res = await client.get(route, headers);
          if (res.status !== 200) throw new Error(`GET ${route} → ${res.status}`);
          if (i >= WARMUP) rec(row, "http", performance.now() - t0);
        }),
        // What this client leaves out: the same request through Node's fetch (undici), as the bench measured before.
        async (i: number) => {
          const t0 = performance.now();
          const res = await fetch(`${base}/v1/auth/config`);
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`GET /v1/auth/config (fetch) → ${res.status}`);
          if (i >= WARMUP) rec(FETCH_REFERENCE, "http", performance.now() - t0);
        },
      ];
      for (let i = 0; i < WARMUP + ITERS; i++) {
        for (let t = 0; t < turns.length; t++) await turns[(i + t) % turns.length]!(i);
      }
      for (let k = 0; k < 10 + 2; k++) {
        let cursor: string | null = null;
        for (let p = 0; p < 10; p++) {
          const r = await search("s", "all", cursor);
          cursor = r.body.nextCursor ?? null;
          if (k < 2) continue;
          rec(PAGES, "http", r.wall);
          rec(PAGES, "library", r.library);
        }
      }
      for (const [name, query] of [
        ["list", "limit=20"],
        ["timeline", "limit=20&sort=taken"],
      ] as const) {
        for (let i = 0; i < WARMUP + ITERS; i++) {
          let cursor: string | null = null;
          for (let p = 1; p <= 10; p++) {
            const r = await get(`/v1/images?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
            if (r.body.items?.length !== 20) throw new Error(`${name} page ${p}: ${r.body.items?.length} items`);
            cursor = r.body.nextCursor ?? null;
            if (i >= WARMUP && (p === 1 || p === 10)) rec(`${name}, page ${p}`, "http", r.wall);
          }
        }
      }
      for (let i = 0; i < WARMUP + ITERS; i++) {
        const r = await get(
          "/v1/images?limit=20&sort=taken&takenFrom=2022-04-15T05:20:00Z&takenTo=2023-04-15T05:20:00Z",
        );
        if (i >= WARMUP) rec("timeline, one year", "http", r.wall);
      }
      for (const prefix of TAG_PREFIXES) {
        for (let i = 0; i < WARMUP + ITERS; i++) {
          const r = await get(`/v1/tags?${new URLSearchParams({ prefix, limit: "50" })}`);
          if (!r.body.broaderTerms?.length) throw new Error(`GET /v1/tags?prefix=${prefix}: no broader terms`);
          if (i >= WARMUP) recTags(prefix, "http", r.wall);
        }
      }
      client.close();
    } finally {
      await stopDev();
    }
  }

  // --- like: the legacy scan, last ---------------------------------------------------------------------------------
  const ldbLegacy = new Database(legacyFile, { readonly: true });
  const like = ldbLegacy.prepare("SELECT * FROM legacy_images WHERE user_id = ? AND tags LIKE ?");
  const likeRows: Record<string, number[]> = {};
  for (const cls of Object.keys(CLASSES)) {
    const w = Math.min(WARMUP, 4);
    for (let i = 0; i < w + LIKE_ITERS; i++) {
      const q = sample(cls, i);
      const t0 = performance.now();
      const rows = like.all(owner, `%${q}%`);
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
  ldbLegacy.close();
  const loadAfter = load();

  // --- report ------------------------------------------------------------------------------------------------------
  const med = (xs: number[]) => pct(xs, 50);
  console.log(`\n## Tag search, one library object with N=${N} images, ${N * 5} tags`);
  console.log(
    `\np50 / p95 in ms, first page (limit 20); ${ITERS} samples per cell after ${WARMUP} warm-up (LIKE: ${LIKE_ITERS}; pages 1–10: 10 runs of 10 pages), queries cycled within a class; over HTTP the classes (and the reference requests) take turns, one request each per round.`,
  );
  console.log(
    "HTTP = GET /v1/images/search end to end (client wall time, wrangler dev --local); library = its `Server-Timing: library;dur=` (the call to the library object, timed in the Worker);",
  );
  console.log(
    "SQL = time inside SqlStorage.exec for rankedSearch() on the object's SQLite file (better-sqlite3); call = the whole rankedSearch() call; LIKE = legacy `SELECT * … WHERE user_id = ? AND tags LIKE '%q%'`, no limit.\n",
  );
  console.log("| class | matches (median) | HTTP | library | SQL | call | LIKE | LIKE rows (median) |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of [...Object.keys(CLASSES), PAGES]) {
    const m = results[row] ?? {};
    console.log(
      `| ${row} | ${counts[row] ? med(counts[row]!) : "-"} | ${cell(m.http)} | ${cell(m.library)} | ${cell(m.sql)} | ${cell(m.call)} | ${cell(m.like)} | ${likeRows[row] ? med(likeRows[row]!) : "-"} |`,
    );
  }
  console.log(
    `\n## A broad first page, piece by piece (whole calls, p50 / p95 in ms, ${ITERS} samples after ${WARMUP}, queries cycled within a class)\n`,
  );
  console.log(
    `window W = rankedSearch() with windows of W matches (${SEARCH_WINDOW}: as served; one token: scored without bm25); bm25 = the served page ranked by bm25 in SQL, as before a library's backfill; count pass = bm25's count of the documents matching each token, which FTS5 makes by reading each token's whole doclist once per statement (one scored row); unscored = the newest ${SEARCH_WINDOW} matches, rowids only.\n`,
  );
  console.log(
    `| class | ${PIECE_WINDOWS.map((w) => `window ${w}`).join(" | ")} | bm25 | count pass | unscored |\n|---|${"---:|".repeat(PIECE_WINDOWS.length + 3)}`,
  );
  for (const cls of BROAD) {
    const m = results[`${cls} pieces`] ?? {};
    console.log(
      `| ${cls} | ${PIECE_WINDOWS.map((w) => cell(m[`window ${w}`])).join(" | ")} | ${cell(m.bm25)} | ${cell(m["count pass"])} | ${cell(m.unscored)} |`,
    );
  }
  console.log(
    `\n## Listing, GET /v1/images?limit=20 (newest uploads) and &sort=taken (the timeline) (p50 / p95 in ms, ${ITERS} samples after ${WARMUP})\n`,
  );
  console.log("| listing | HTTP | SQL | call |\n|---|---:|---:|---:|");
  for (const row of [
    "list, page 1",
    "list, page 10",
    "timeline, page 1",
    "timeline, page 10",
    "timeline, one year",
    "near-duplicates scan",
  ]) {
    const m = results[row] ?? {};
    console.log(`| ${row} | ${cell(m.http)} | ${cell(m.sql)} | ${cell(m.call)} |`);
  }
  console.log(
    `\n## Reference requests in the same rounds as the search classes (HTTP p50 / p95 in ms, ${ITERS} samples after ${WARMUP})\n`,
  );
  console.log("| request | HTTP |\n|---|---:|");
  for (const row of ["GET /v1/auth/config", "GET /health", "GET /v1/me", FETCH_REFERENCE])
    console.log(`| ${row} | ${cell(results[row]?.http)} |`);
  console.log(
    `\n## Autocomplete, GET /v1/tags?prefix=…&limit=50 (p50 / p95 in ms, ${ITERS} samples after ${WARMUP}; SQL = inside SqlStorage.exec)\n`,
  );
  console.log("| prefix | result | HTTP | listTags SQL | countTags SQL | countBroaderTerms SQL | listTags call |");
  console.log("|---|---|---:|---:|---:|---:|---:|");
  for (const prefix of TAG_PREFIXES) {
    const m = tagResults[prefix] ?? {};
    console.log(
      `| \`${prefix}\` | ${tagTop[prefix]} | ${cell(m.http)} | ${cell(m.listTags)} | ${cell(m.countTags)} | ${cell(m.countBroaderTerms)} | ${cell(m["listTags call"])} |`,
    );
  }
  console.log(`\n## The library object's database at N=${N}\n`);
  console.log("| measure | value |\n|---|---:|");
  console.log(`| file (.sqlite + -wal, after checkpoint) | ${mb(size.fileBytes)} |`);
  console.log(
    `| page_count × page_size (= SqlStorage.databaseSize) | ${mb(size.databaseSize)} (${pages} × ${pageSize}, ${freePages} free) |`,
  );
  console.log(
    `| of which: search index / search_docs / image_tags / images / term_counts / label_words | ${mb(size.searchIndex)} / ${mb(size.searchDocs)} / ${mb(size.imageTags)} / ${mb(size.images)} / ${mb(size.termCounts)} / ${mb(size.labelWords)} |`,
  );
  console.log(`| per image | ${perImage.toFixed(0)} bytes |`);
  console.log(`| images per library at 10 GB (10^10 bytes), at this rate | ${ceiling.toLocaleString("en")} |`);

  console.log("\n## Targets\n");
  console.log("| target | measured | met |\n|---|---:|---|");
  const verdict = (ok: boolean) => (ok ? "yes" : "**no**");
  for (const cls of Object.keys(CLASSES)) {
    const m = results[cls] ?? {};
    if (m.http?.length) {
      const p50 = pct(m.http, 50);
      console.log(
        `| ${cls}: search HTTP p50 ≤ ${TARGETS.httpP50} ms | ${fmt(p50)} | ${verdict(p50 <= TARGETS.httpP50)} |`,
      );
    }
    // A broad token is ranked in JS (one-token-ranking.ts): its SQL alone would leave the ranking out.
    const inJs = BROAD.includes(cls);
    const p95 = pct((inJs ? m.call : m.sql) ?? [], 95);
    const goal = TARGETS.sqlP95[cls]!;
    const what = inJs ? "SQL + ranking in JS (the whole call)" : "SQL";
    console.log(`| ${cls}: ${what} p95 ≤ ${goal} ms | ${fmt(p95)} | ${verdict(p95 <= goal)} |`);
  }
  const acP95 = pct(tagResults.d?.listTags ?? [], 95);
  console.log(
    `| autocomplete \`d\`: listTags SQL p95 ≤ ${TARGETS.autocompleteP95} ms | ${fmt(acP95)} | ${verdict(acP95 <= TARGETS.autocompleteP95)} |`,
  );

  console.log(
    `\nseed ${(seedMs / 1000).toFixed(1)} s (LibraryEngine.beginUpload + insert per image, ${SEED_BATCH} per outer transaction)${OPTIMIZE ? ", FTS index optimized" : ""}`,
  );
  console.log(`load average (1, 5, 15 min): before ${loadBefore}; after ${loadAfter}; ${os.cpus().length} cores`);
  for (const [cls, { queries }] of Object.entries(CLASSES))
    console.log(`matches ${cls}: ${queries.map((q, i) => `${q}=${counts[cls]![i]}`).join(", ")}`);
  if (!HTTP) console.log("HTTP skipped (--no-http)");
  fs.writeFileSync(
    path.join(ROOT, "bench/.data", `results-${N}.json`),
    JSON.stringify(
      {
        N,
        ITERS,
        WARMUP,
        LIKE_ITERS,
        OPTIMIZE,
        seedMs,
        size,
        results,
        counts,
        likeRows,
        tagResults,
        loadBefore,
        loadAfter,
      },
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
