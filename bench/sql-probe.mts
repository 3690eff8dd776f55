// Bench helper (not part of the product): times SQL variants of the search statement on the seeded bench file with
// better-sqlite3. `npx tsx bench/sql-probe.mts [N] [iters]` (N = 100000 → bench/.data/state-100000).
import fs from "node:fs"; import { createRequire } from "node:module"; import path from "node:path";
import { parseSearchQuery, toFtsMatch } from "../src/images/search-query";
const ROOT = path.resolve(import.meta.dirname, "..");
const Database = createRequire(path.join(ROOT, "bench/.data/package.json"))("better-sqlite3");
const N = process.argv[2] ?? "100000"; const ITERS = Number(process.argv[3] ?? 200);
const dir = path.join(ROOT, `bench/.data/state-${N}/v3/d1/miniflare-D1DatabaseObject`);
const file = process.env.PROBE_FILE ?? path.join(dir, fs.readdirSync(dir).find((n) => n.endsWith(".sqlite") && n !== "metadata.sqlite")!);
const db = new Database(file, { readonly: true });
const user = (db.prepare("select user_id from images group by user_id order by count(*) desc limit 1").get() as any).user_id;
const C: Record<string, string[]> = {
  selective: ["persian", "toucan", "pelican", "zebra", "volcano", "espresso", "tabby", "goldfish"],
  "multi-token": ["golden retriever", "tiger cat", "great white shark", "border collie", "french bulldog", "red wolf", "grey whale", "snow leopard"],
  "broad-1": ["s", "c", "b", "p"], "broad-2": ["ca", "st", "ma", "co"],
};
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.ceil((p / 100) * s.length) - 1]!; };
export function probe(variants: Record<string, string>, params: (fts: string) => Record<string, unknown>, classes = Object.keys(C)) {
  const sts = Object.fromEntries(Object.entries(variants).map(([k, sql]) => [k, db.prepare(sql.replace(/\?(\d+)/g, "@p$1"))]));
  for (const cls of classes) {
    // variants interleaved per sample, so that machine drift hits all of them alike
    const ts: Record<string, number[]> = Object.fromEntries(Object.keys(sts).map((k) => [k, []]));
    for (let i = 0; i < 10 + ITERS; i++) {
      const q = C[cls]![i % C[cls]!.length]!;
      const p = params(toFtsMatch(parseSearchQuery(q), "all"));
      for (const [k, st] of Object.entries(sts)) {
        const t0 = performance.now(); st.all(p); const ms = performance.now() - t0;
        if (i >= 10) ts[k]!.push(ms);
      }
    }
    console.log(cls.padEnd(12), Object.entries(ts).map(([k, xs]) => `${k} ${pct(xs, 50).toFixed(2)}/${pct(xs, 95).toFixed(2)}`).join("  |  "));
  }
}
export { db, user, C };
