// `npm start`: everything local development needs, from a fresh clone, offline.
// 1. creates .dev.vars with random development secrets when it is absent, and adds settings that a newer
//    .dev.vars.example has and an older .dev.vars lacks (the Turnstile dummy keys, for example);
// 2. applies D1 migrations to the local database, quietly: one line, the full output only on failure;
// 3. starts the local tagger (tagger/), the local image engine (image-engine/), the Turnstile siteverify stand-in and
//    `wrangler dev --local`, and stops them together;
// 4. once the Worker answers, prints where everything is (API, /reference, /doc, the tagger, the image engine), how
//    to trigger the cron and how to stop;
// 5. when the ResNet-50 weights are absent, fetches them in the background (the embedded CenterNet model
//    tags meanwhile; offline this fails in one line and nothing else changes), then tells the tagger to
//    switch. TAGGER_MODEL_AUTO_FETCH=0 turns this off.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
const port = process.env.PORT ?? "8787";
const taggerUrl = `http://127.0.0.1:${process.env.TAGGER_PORT ?? "8788"}`;
/** Where .dev.vars.example's LOCAL_IMAGE_ENGINE_URL points. */
const imageEngineUrl = "http://127.0.0.1:8790";
/** Runs a TypeScript file of scripts/ in a child Node process (tsx as a loader, no npx in between). */
const tsNode = (file: string) => [process.execPath, ["--import", "tsx", file]] as const;

if (!existsSync(".dev.vars")) {
  const secret = () => randomBytes(32).toString("base64url");
  const example = readFileSync(".dev.vars.example", "utf8");
  const filled = example.replace(
    /^(JWT_SECRET|PASSWORD_PEPPER|URL_SIGNING_SECRET)=.*$/gm,
    (_, name) => `${name}="${secret()}"`,
  );
  writeFileSync(".dev.vars", filled, { mode: 0o600 });
  console.log("Created .dev.vars with random development secrets.");
} else {
  const current = readFileSync(".dev.vars", "utf8");
  const has = new Set([...current.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
  const missing = readFileSync(".dev.vars.example", "utf8")
    .split("\n")
    .filter((line) => /^[A-Z0-9_]+=/.test(line) && !has.has(line.split("=")[0]))
    .filter((line) => !/^(JWT_SECRET|PASSWORD_PEPPER|URL_SIGNING_SECRET)=/.test(line));
  if (missing.length > 0) {
    writeFileSync(".dev.vars", `${current.trimEnd()}\n${missing.join("\n")}\n`, { mode: 0o600 });
    console.log(`Added to .dev.vars from .dev.vars.example: ${missing.map((line) => line.split("=")[0]).join(", ")}`);
  }
}

// wrangler prints the migration table once per migration applied: keep it for when something goes wrong.
const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"], {
  env,
  stdio: ["ignore", "pipe", "pipe"],
  encoding: "utf8",
});
if (migrate.status !== 0) {
  process.stdout.write(migrate.stdout ?? "");
  process.stderr.write(migrate.stderr ?? "");
  console.error(`D1 migrations failed (exit ${migrate.status ?? migrate.signal}): the output above says why.`);
  process.exit(migrate.status ?? 1);
}
const applied = /About to apply (\d+) migration/.exec(migrate.stdout)?.[1];
console.log(
  /No migrations to apply/.test(migrate.stdout)
    ? "D1 migrations: up to date"
    : `D1 migrations: ${applied ?? "all"} applied`,
);

const children: ChildProcess[] = [];
function run(name: string, command: string, args: readonly string[]) {
  // Own process group, so stopping reaches npx's and wrangler's grandchildren too.
  const child = spawn(command, args, { env, stdio: ["ignore", "inherit", "inherit"], detached: true });
  child.on("exit", (code) => {
    console.log(`${name} exited (${code ?? "signal"}); stopping.`);
    stop(code ?? 0);
  });
  children.push(child);
}

let stopping = false;
function stop(code: number) {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    if (child.exitCode !== null || child.pid === undefined) continue;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
  }
  setTimeout(() => process.exit(code), 500).unref();
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

/** Never blocks the API: its exit (success or not) stops nothing; it is only stopped with the rest. */
function fetchModelInBackground() {
  const child = spawn(process.execPath, ["tagger/scripts/fetch-model.js", "--background"], {
    env,
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  child.on("exit", (code) => {
    if (code !== 0 || stopping) return;
    // The tagger re-checks its model folder on each request: one request makes it switch now.
    fetch(`${taggerUrl}/health`).then(
      (res) => res.body?.cancel(),
      () => {},
    );
  });
  children.push(child);
}

/** Once the Worker answers (any status), the few lines a newcomer needs, after wrangler's own start-up output. */
async function announceWhenReady() {
  const api = `http://127.0.0.1:${port}`;
  let health: { status?: string; problems?: string[] } | undefined;
  while (!stopping) {
    try {
      const res = await fetch(`${api}/health`);
      health = (await res.json().catch(() => ({}))) as typeof health;
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  if (stopping) return;
  const model = await fetch(`${taggerUrl}/health`)
    .then((res) => res.json() as Promise<{ model?: { name?: string } | null }>)
    .then((body) => body.model?.name ?? "no model")
    .catch(() => "not running");
  await new Promise((resolve) => setTimeout(resolve, 200)); // let wrangler log the request first
  const degraded =
    health?.status && health.status !== "ok"
      ? `\n  Health       ${health.status}: ${(health.problems ?? []).join("; ")} (see ${api}/health)`
      : "";
  console.log(
    [
      "",
      "ImagifyAI API is running (local D1 and R2 in .wrangler/, no Cloudflare account needed)",
      `  API          ${api}`,
      `  Reference    ${api}/reference   (interactive API docs)`,
      `  OpenAPI      ${api}/doc`,
      `  Tagger       ${taggerUrl}   (model: ${model})`,
      `  Images       ${imageEngineUrl}   (the local image engine: EXIF orientation, HEIC, every option)`,
      `  Cron         curl "${api}/__scheduled?cron=17+*+*+*+*"   (runs scheduled(); /cdn-cgi/handler/scheduled cannot, see docs/testing.md)${degraded}`,
      "  Stop         Ctrl-C (stops the Worker, the tagger, the image engine and the Turnstile stand-in together)",
      "",
    ].join("\n"),
  );
}

run("turnstile stand-in", ...tsNode("scripts/turnstile-standin.ts"));
if (existsSync("tagger/src/server.js")) {
  run("tagger", process.execPath, ["tagger/src/server.js"]);
  if (process.env.TAGGER_MODEL_AUTO_FETCH !== "0") fetchModelInBackground();
}
run("image engine", process.execPath, ["image-engine/src/server.js"]);
run("wrangler", "npx", [
  "wrangler",
  "dev",
  "--local",
  "--port",
  port,
  "--ip",
  "127.0.0.1",
  "--show-interactive-dev-session=false",
  // The cron by hand: curl "http://127.0.0.1:8787/__scheduled?cron=17+*+*+*+*" (printed once ready). With [assets] in
  // wrangler.toml, wrangler 4.86 answers /cdn-cgi/handler/scheduled with 500 and never reaches the Worker
  // (docs/testing.md; npm run check:scheduled measures both).
  "--test-scheduled",
]);
void announceWhenReady();
