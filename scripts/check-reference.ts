// Real-browser check of the API reference: starts the local server (npm start), opens /reference in headless
// Chromium (Debian's /usr/bin/chromium, no internet) and asserts that every operation in openapi.json is listed.
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { launchChromium, startLocalServer } from "./lib/local-server";

const spec: { paths: Record<string, Record<string, { summary: string }>> } = JSON.parse(
  readFileSync(new URL("../openapi/openapi.json", import.meta.url), "utf8"),
);
const summaries = Object.values(spec.paths).flatMap((methods) =>
  Object.values(methods).map((operation) => operation.summary),
);

const server = startLocalServer(process.env.PORT ?? "8799");
let browser: Browser | undefined;
try {
  await server.ready();
  browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(`${server.base}/reference`, { waitUntil: "networkidle" });
  // Scalar renders sections lazily, as they come into view: scroll down a screen at a time until every operation
  // is in the DOM, or give up after 60 s.
  let missing = summaries;
  for (const deadline = Date.now() + 60_000; missing.length > 0 && Date.now() < deadline; ) {
    await page.mouse.wheel(0, 600);
    await page.waitForTimeout(150);
    const text = (await page.locator("body").textContent()) ?? "";
    missing = summaries.filter((summary) => !text.includes(summary));
  }
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: false });
  if (missing.length > 0) throw new Error(`/reference does not list: ${missing.join(", ")}`);
  console.log(`/reference lists all ${summaries.length} operations.`);
} finally {
  await browser?.close();
  server.stop();
}
