// For the checks that need the real dev server with the shipped wrangler.toml: `npx wrangler dev --local` on a free
// port with its own persist directory, in its own process group (so a stop, or a kill -9, reaches workerd too), and
// its output kept for the checks to read. Secrets come as `--var`s, so no .dev.vars is needed.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";

export const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** A wrangler command (`d1 migrations apply`, `r2 object get`, …): its exit status and its output. */
export function runWrangler(args: string[]): { status: number | null; output: string } {
  const run = spawnSync("npx", ["wrangler", ...args], { env: wranglerEnv, encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A wrangler command that must succeed; its output only on failure. */
export function wrangler(args: string[]): string {
  const run = runWrangler(args);
  if (run.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed (${run.status}):\n${run.output}`);
  return run.output;
}

/** Random development secrets, ≥ 32 bytes each, as the `--var`s the Worker needs to serve. */
export function secretVars(): Record<string, string> {
  const secret = () => randomBytes(32).toString("base64url");
  return { JWT_SECRET: secret(), PASSWORD_PEPPER: secret(), URL_SIGNING_SECRET: secret() };
}

/** Resolves with true once nothing is left in process group `pgid` (kill(-pgid, 0) fails with ESRCH). */
export async function groupGone(pgid: number, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true;
    }
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Signals a process group and waits until it is gone; SIGKILL for whatever is left after 10 s. */
export async function stopGroup(pgid: number, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  try {
    process.kill(-pgid, signal);
  } catch {
    return;
  }
  if (await groupGone(pgid, 10_000)) return;
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {}
  await groupGone(pgid, 5_000);
}

export interface DevServerOptions {
  persistTo: string;
  vars?: Record<string, string>;
  /** More `wrangler dev` arguments (for example `--test-scheduled`). */
  args?: string[];
  port?: number;
}

export interface DevServer {
  base: string;
  port: number;
  child: ChildProcess;
  /** Everything wrangler and the Worker printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once GET /health answers (any status). */
  ready(timeoutMs?: number): Promise<void>;
  /** Resolves with the first match of `pattern` in the output after `from` (an offset into output()). */
  waitForOutput(pattern: RegExp, timeoutMs: number, from?: number): Promise<RegExpMatchArray>;
  /** Signals the whole process group (npx, wrangler, workerd) and waits until all of it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startWranglerDev(options: DevServerOptions): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const inspectorPort = await freePort();
  const vars = Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--local",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      options.persistTo,
      "--show-interactive-dev-session=false",
      ...vars,
      ...(options.args ?? []),
    ],
    { env: wranglerEnv, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let text = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    port,
    child,
    output: () => text,
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && child.exitCode === null) {
        try {
          await (await fetch(`${base}/health`)).body?.cancel();
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
      throw new Error(`wrangler dev did not answer ${base}/health within ${timeoutMs / 1000} s:\n${text}`);
    },
    async waitForOutput(pattern, timeoutMs, from = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = text.slice(from).match(pattern);
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`no ${pattern} in wrangler dev's output within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop(signal = "SIGTERM") {
      if (child.pid === undefined) return;
      await stopGroup(child.pid, signal);
      await exited;
    },
  };
}
