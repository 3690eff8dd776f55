// Real-browser check of the API reference: starts the local server (npm start), opens /reference in headless
// Chromium (Debian's /usr/bin/chromium, no internet) and asserts that every operation in openapi.json is listed.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const port = process.env.PORT ?? "8799";
const base = `http://127.0.0.1:${port}`;
const spec = JSON.parse(readFileSync(new URL("../openapi/openapi.json", import.meta.url), "utf8"));
const summaries = Object.values(spec.paths).flatMap((methods) =>
  Object.values(methods).map((operation) => operation.summary),
);

const server = spawn(process.execPath, ["scripts/start.mjs"], {
  env: { ...process.env, PORT: port },
  stdio: ["ignore", "ignore", "inherit"],
});
let browser;
try {
  await waitForHealth(60_000);
  browser = await chromium.launch({
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
  const page = await browser.newPage();
  await page.goto(`${base}/reference`, { waitUntil: "networkidle" });
  // Scalar renders sections lazily, as they come into view: scroll down a screen at a time until every operation
  // is in the DOM, or give up after 60 s.
  let missing = summaries;
  for (const deadline = Date.now() + 60_000; missing.length > 0 && Date.now() < deadline; ) {
    await page.mouse.wheel(0, 600);
    await page.waitForTimeout(150);
    const text = await page.evaluate(() => document.body.textContent ?? "");
    missing = summaries.filter((summary) => !text.includes(summary));
  }
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: false });
  if (missing.length > 0) throw new Error(`/reference does not list: ${missing.join(", ")}`);
  console.log(`/reference lists all ${summaries.length} operations.`);
} finally {
  await browser?.close();
  server.kill("SIGTERM");
}

async function waitForHealth(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the server did not answer ${base}/health within ${timeoutMs / 1000} s`);
}
