#!/usr/bin/env node
// The layering rules of src/ (../DESIGN: routes → domain services → storage adapters), checked on every lint:
//   1. only src/routes/ (the HTTP layer) and the composition root (src/app.ts, src/index.ts) import hono;
//   2. nothing outside src/routes/ imports from src/routes/, except the composition root;
//   3. only src/index.ts imports cloudflare:* (so Node scripts can load src/app.ts to write the spec);
//   4. handlers hold no SQL: no .prepare( / .batch( / sql.exec( in src/routes/;
//   5. the R2 key layout is spelled in one module: the "users/" prefix only in src/images/store/image-objects.ts.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const SRC = path.join(ROOT, "src");
const ROOTS = new Set(["src/app.ts", "src/index.ts"]);
const KEY_LAYOUT_OWNER = "src/images/store/image-objects.ts";

const files = readdirSync(SRC, { recursive: true })
  .filter((file) => file.endsWith(".ts"))
  .map((file) => path.join("src", file).split(path.sep).join("/"));

const violations = [];
for (const file of files) {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const inRoutes = file.startsWith("src/routes/");
  const imports = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]);
  for (const specifier of imports) {
    const target = specifier.startsWith(".")
      ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier))
      : specifier;
    if (/^(hono|@hono\/|@scalar\/hono)/.test(specifier) && !inRoutes && !ROOTS.has(file)) {
      violations.push(`${file}: imports ${specifier} (HTTP belongs in src/routes/)`);
    }
    if (target.startsWith("src/routes/") && !inRoutes && !ROOTS.has(file)) {
      violations.push(`${file}: imports ${specifier} (arrows point down: services never import routes)`);
    }
    if (specifier.startsWith("cloudflare:") && file !== "src/index.ts") {
      violations.push(`${file}: imports ${specifier} (only src/index.ts may)`);
    }
  }
  if (inRoutes && /\.(prepare|batch)\(|\bsql\.exec\(/.test(text)) {
    violations.push(`${file}: runs SQL (handlers call a service; the table's owner module holds the SQL)`);
  }
  if (file !== KEY_LAYOUT_OWNER && /["'`]users\//.test(text)) {
    violations.push(`${file}: spells the R2 key layout (use ${KEY_LAYOUT_OWNER})`);
  }
}

if (violations.length > 0) {
  console.error(`Architecture rules broken:\n  ${violations.join("\n  ")}`);
  process.exit(1);
}
console.log(`Architecture rules hold in ${files.length} files under src/.`);
