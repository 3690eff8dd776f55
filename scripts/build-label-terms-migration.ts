// Writes migrations/0004_label_terms.sql from src/images/search/label-ancestors.json: the `label_terms` table that
// the search index reads to put each label's broader words in its document (see src/images/store/search-index.ts).
//
//   npx tsx scripts/build-label-terms-migration.ts           regenerate
//   npx tsx scripts/build-label-terms-migration.ts --check   exit 1 if the committed migration differs (CI)
// (`npm run build:label-ancestors` / `npm run check:label-ancestors` run it after build-label-ancestors.ts.)
//
// Words, not phrases: queries match word prefixes, and one occurrence per word per image keeps an ancestor match
// weighing the same however many of the image's labels share it. A word of the label itself is left out (it is
// already in the document's direct columns). Tokenised like FTS5's unicode61: runs of letters and digits.
//
// Migrations are forward-only: once 0004 has run somewhere that matters, a changed table needs a new migration
// (copy this script's output into NNNN_label_terms_vK.sql, with DELETE FROM label_terms first and a reindex).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const SOURCE = path.join(ROOT, "src/images/search/label-ancestors.json");
const TARGET = path.join(ROOT, "migrations/0004_label_terms.sql");
const TEMPLATE = path.join(ROOT, "scripts/label-terms-migration.sql.in");

const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;

const ancestors: Record<string, string[]> = JSON.parse(readFileSync(SOURCE, "utf8"));
const rows = Object.entries(ancestors)
  .map(([label, terms]) => {
    const own = new Set(words(label));
    const broader = [...new Set(terms.flatMap(words))].filter((word) => !own.has(word));
    return [label, JSON.stringify(broader)] as const;
  })
  .filter(([, broader]) => broader !== "[]");

const values = rows.map(([label, broader]) => `  (${quote(label)}, ${quote(broader)})`).join(",\n");
const sql = readFileSync(TEMPLATE, "utf8").replace("-- @LABEL_TERMS_VALUES@", values);

if (process.argv.includes("--check")) {
  const committed = readFileSync(TARGET, "utf8");
  if (committed !== sql) {
    console.error(`${path.relative(ROOT, TARGET)} is stale: run npm run build:label-ancestors`);
    process.exit(1);
  }
  console.log(`${path.relative(ROOT, TARGET)} is current (${rows.length} labels).`);
} else {
  writeFileSync(TARGET, sql);
  console.log(`Wrote ${path.relative(ROOT, TARGET)} (${rows.length} labels).`);
}
