import { type ChildProcess, spawn } from "node:child_process";

/**
 * Starts one of the local services the suites run next to the Worker (`node <script>` with `env`) and waits, up to
 * 20 s, until it answers GET /health on `port` on loopback. The caller stops it with `kill("SIGTERM")`.
 */
export async function startService(
  name: string,
  script: string,
  port: number,
  env: Record<string, string>,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    if (child.exitCode !== null) throw new Error(`${name} on port ${port} exited with ${child.exitCode}`);
    const healthy = await fetch(`http://127.0.0.1:${port}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGTERM");
  throw new Error(`${name} on port ${port} did not start`);
}
