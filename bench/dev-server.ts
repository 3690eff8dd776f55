// `wrangler dev --local` for the benchmarks: on its own state folder and port, in its own process group, always
// killed (also on Ctrl-C and errors), with the bot check off (bench users register over HTTP; it is not measured),
// and images made by the local image engine (image-engine/, started alongside on its own port), as under npm start.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
export const BENCH_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

let dev: ChildProcess | null = null;
let engine: ChildProcess | null = null;
const ENGINE_PORT = 8792;

function kill(signal: NodeJS.Signals) {
  for (const child of [dev, engine]) {
    if (!child?.pid) continue;
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* gone */
    }
  }
}
process.on("exit", () => kill("SIGKILL"));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    kill("SIGKILL");
    process.exit(130);
  });
}

export async function startDev(options: { state: string; port: number }): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, ".dev.vars")))
    throw new Error(".dev.vars is missing: copy .dev.vars.example and set the three secrets (32+ random chars)");
  engine = spawn(process.execPath, ["image-engine/src/server.js"], {
    cwd: ROOT,
    env: { ...BENCH_ENV, IMAGE_ENGINE_PORT: String(ENGINE_PORT) },
    detached: true,
    stdio: "ignore",
  });
  const args = ["wrangler", "dev", "--local", "--persist-to", options.state, "--port", String(options.port)];
  const vars = ["TURNSTILE:off", "IMAGE_ENGINE:local", `LOCAL_IMAGE_ENGINE_URL:http://127.0.0.1:${ENGINE_PORT}`];
  const child = spawn("npx", [...args, "--ip", "127.0.0.1", ...vars.flatMap((v) => ["--var", v])], {
    cwd: ROOT,
    env: BENCH_ENV,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  dev = child;
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 500));
    try {
      await fetch(`http://127.0.0.1:${options.port}/health`);
      return;
    } catch {
      /* not yet */
    }
    if (child.exitCode !== null) break;
  }
  await stopDev();
  throw new Error(`wrangler dev did not start:\n${out.slice(-2000)}`);
}

export async function stopDev(): Promise<void> {
  const child = dev;
  if (!child?.pid) return;
  const gone = new Promise<void>((r) =>
    child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", () => r()),
  );
  kill("SIGTERM");
  const t = setTimeout(() => kill("SIGKILL"), 5000);
  await gone;
  clearTimeout(t);
  // workerd may outlive npx/wrangler for a moment: make sure the whole group is gone before touching the state.
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(-child.pid, 0);
    } catch {
      break;
    }
    if (i === 20) kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 100));
  }
  dev = null;
  if (engine?.pid) {
    try {
      process.kill(-engine.pid, "SIGTERM");
    } catch {
      /* gone */
    }
  }
  engine = null;
}
