// Bench helper: p50/p95 (ms, better-sqlite3, SQL time summed over a page's statements, first page limit 20) of
// searchImages() implementations, samples interleaved so machine drift hits all alike.
// `npx tsx bench/compare.mts [N] [iters] [extra-module.ts …]` — compares src/images/search.ts with the given copies.
import fs from "node:fs"; import { createRequire } from "node:module"; import path from "node:path";
import { performance } from "node:perf_hooks";
import * as cur from "../src/images/search";
const ROOT = path.resolve(import.meta.dirname, "..");
const Database = createRequire(path.join(ROOT, "bench/.data/package.json"))("better-sqlite3");
const N = process.argv[2] ?? "100000"; const ITERS = Number(process.argv[3] ?? 200);
const dir = path.join(ROOT, `bench/.data/state-${N}/v3/d1/miniflare-D1DatabaseObject`);
const file = process.env.PROBE_FILE ?? path.join(dir, fs.readdirSync(dir).find((n) => n.endsWith(".sqlite") && n !== "metadata.sqlite")!);
const db = new Database(file, { readonly: true });
const user = (db.prepare("select user_id from images group by user_id order by count(*) desc limit 1").get() as any).user_id;
const cache = new Map<string, any>();
const shim = { prepare(sql: string) { let st = cache.get(sql); if (!st) cache.set(sql, st = db.prepare(sql.replace(/\?(\d+)/g, "@p$1")));
  return { bind: (...p: unknown[]) => ({ all: async () => { const named = Object.fromEntries(p.map((v, i) => [`p${i + 1}`, v])); const t0 = performance.now(); const results = st.all(named); return { results, meta: { duration: performance.now() - t0 } }; } }) }; } } as unknown as D1Database;
const impls: [string, typeof cur.searchImages, D1Database][] = [["new", cur.searchImages, shim]];
// PROBE_FILE2: the same code on a second database file (e.g. another index configuration), interleaved.
if (process.env.PROBE_FILE2) {
  const db2 = new Database(process.env.PROBE_FILE2, { readonly: true }); const cache2 = new Map<string, any>();
  const shim2 = { prepare(sql: string) { let st = cache2.get(sql); if (!st) cache2.set(sql, st = db2.prepare(sql.replace(/\?(\d+)/g, "@p$1")));
    return { bind: (...p: unknown[]) => ({ all: async () => { const named = Object.fromEntries(p.map((v, i) => [`p${i + 1}`, v])); const t0 = performance.now(); const results = st.all(named); return { results, meta: { duration: performance.now() - t0 } }; } }) }; } } as unknown as D1Database;
  impls.push([path.basename(process.env.PROBE_FILE2), cur.searchImages, shim2]);
}
for (const m of process.argv.slice(4)) impls.push([path.basename(m), (await import(path.resolve(m))).searchImages, shim]);
const C: Record<string, string[]> = { selective: ["persian", "toucan", "pelican", "zebra", "volcano", "espresso", "tabby", "goldfish"], "multi-token": ["golden retriever", "tiger cat", "great white shark", "border collie", "french bulldog", "red wolf", "grey whale", "snow leopard"], "broad-1": ["s", "c", "b", "p"], "broad-2": ["ca", "st", "ma", "co"] };
const PAGE2 = process.env.PAGE2 === "1"; // time page 2 (cursor path) instead of page 1
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.ceil((p / 100) * s.length) - 1]!; };
for (const [cls, qs] of Object.entries(C)) {
  const ts = impls.map(() => [] as number[]);
  for (let i = 0; i < 10 + ITERS; i++) {
    const outs: string[] = [];
    for (const [k, [, fn, db]] of impls.entries()) {
      const q = qs[i % qs.length]!;
      let cursor: string | null = null;
      if (PAGE2) { const p1 = await cur.searchImages(db, { userId: user, q, match: "all", limit: 20 }); if ("error" in p1) throw new Error(p1.error); cursor = p1.nextCursor; }
      const r = await fn(db, { userId: user, q, match: "all", limit: 20, cursor });
      if ("error" in r) throw new Error(r.error);
      if (i >= 10) ts[k]!.push(r.dbMs);
      outs.push(JSON.stringify(r.hits));
    }
    if (outs.some((o) => o !== outs[0])) throw new Error(`results differ for ${qs[i % qs.length]}`);
  }
  console.log(cls.padEnd(12), impls.map(([name], k) => `${name} ${pct(ts[k]!, 50).toFixed(2)}/${pct(ts[k]!, 95).toFixed(2)}`).join("  |  "));
}
