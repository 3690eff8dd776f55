// The layering rules of src/ (docs/architecture.md), checked on every lint:
//   1. only the HTTP layer imports hono: the plumbing under src/routes/, each capability's *.routes.ts, *.router.ts, *.presenters.ts and
//      the legacy layer's middleware, plus the entry points (src/app.ts, src/index.ts);
//   2. arrows point down: nothing outside the HTTP layer imports it (services never know about HTTP);
//   3. only src/index.ts imports cloudflare:* (so Node scripts can load src/app.ts to write the spec);
//   4. the HTTP layer holds no SQL: no .prepare( / .batch( / sql.exec( there;
//   5. a capability reaches another capability through its service, never its storage: no value imported from
//      another capability's store/ or library/ (the images' per-user Durable Object) (types of its records are fine;
//      src/index.ts hosts the Durable Object shells of storage engines);
//   6. the R2 key layout is spelled in one module: the "users/" prefix only in src/images/store/image-objects.ts;
//   7. every exported name is defined in one module of src/ (no two `getImage`s to tell apart).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const ENTRY_POINTS = new Set(["src/app.ts", "src/index.ts"]);
const KEY_LAYOUT_OWNER = "src/images/store/image-objects.ts";
const CAPABILITIES = new Set(["auth", "images", "processing", "legacy", "meta"]);

const files = readdirSync(path.join(ROOT, "src"), { recursive: true })
  .map(String)
  .filter((file) => file.endsWith(".ts"))
  .map((file) => path.join("src", file).split(path.sep).join("/"));

/** The HTTP layer: contracts, handlers, presenters, the plumbing under src/routes/, and the legacy layer's middleware. */
const isHttp = (file: string) =>
  file.startsWith("src/routes/") ||
  /\.(routes|router|presenters)\.ts$/.test(file) ||
  file === "src/legacy/legacy-layer.ts";

const capabilityOf = (file: string) => {
  const folder = file.split("/")[1] ?? "";
  return CAPABILITIES.has(folder) ? folder : null;
};

const violations: string[] = [];
const definedIn = new Map<string, string[]>();

for (const file of files) {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const http = isHttp(file) || ENTRY_POINTS.has(file);
  for (const match of text.matchAll(/^\s*(import|export)(\s+type)?\b[^;]*?from\s+"([^"]+)"/gms)) {
    const typeOnly = Boolean(match[2]);
    const specifier = match[3]!;
    const target = specifier.startsWith(".")
      ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier))
      : specifier;
    if (/^(hono|@hono\/|@scalar\/hono)/.test(specifier) && !http) {
      violations.push(`${file}: imports ${specifier} (HTTP belongs in the HTTP layer)`);
    }
    if (target.startsWith("src/") && isHttp(`${target}.ts`) && !http) {
      violations.push(`${file}: imports ${specifier} (arrows point down: services never import the HTTP layer)`);
    }
    if (specifier.startsWith("cloudflare:") && file !== "src/index.ts") {
      violations.push(`${file}: imports ${specifier} (only src/index.ts may)`);
    }
    const owner = capabilityOf(`${target}.ts`);
    const storage = /\/(store|library)\//.test(target);
    if (!typeOnly && owner && owner !== capabilityOf(file) && storage && file !== "src/index.ts") {
      violations.push(`${file}: imports ${specifier} (call the ${owner} service; its storage is its own)`);
    }
  }
  if (isHttp(file) && /\.(prepare|batch)\(|\bsql\.exec\(/.test(text)) {
    violations.push(`${file}: runs SQL (handlers call a service; the table's owner module holds the SQL)`);
  }
  if (file !== KEY_LAYOUT_OWNER && /["'`]users\//.test(text)) {
    violations.push(`${file}: spells the R2 key layout (use ${KEY_LAYOUT_OWNER})`);
  }
  const exported =
    /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|const|let|class|interface|type|enum)\s+([A-Za-z0-9_$]+)/gm;
  for (const [, name] of text.matchAll(exported)) definedIn.set(name!, [...(definedIn.get(name!) ?? []), file]);
}

for (const [name, where] of definedIn) {
  if (where.length > 1) violations.push(`${name} is exported by ${where.length} modules: ${where.join(", ")}`);
}

if (violations.length > 0) {
  console.error(`Architecture rules broken:\n  ${violations.join("\n  ")}`);
  process.exit(1);
}
console.log(
  `Architecture rules hold in ${files.length} files under src/ (${definedIn.size} exported names, each once).`,
);
