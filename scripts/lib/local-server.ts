// For the real-browser checks: the local server (`npm start` on its own port) and Debian's headless Chromium.
import { spawn } from "node:child_process";
import { chromium } from "playwright-core";

export function startLocalServer(port: string | number) {
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    env: { ...process.env, PORT: String(port), TAGGER_MODEL_AUTO_FETCH: "0" },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  return {
    base,
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        try {
          if ((await fetch(`${base}/health`)).ok) return;
        } catch {}
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`the server did not answer ${base}/health within ${timeoutMs / 1000} s`);
    },
    stop() {
      if (server.pid === undefined) return;
      try {
        process.kill(-server.pid, "SIGTERM");
      } catch {}
    },
  };
}

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    // Playwright supplies a fresh profile; these keep Chromium from reaching for the (absent) internet.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
