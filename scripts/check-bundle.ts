// The Worker bundle as a deploy would build it (`wrangler deploy --dry-run`, nothing uploaded), and its size: fails
// when it is above the limit (default 150 KiB gzip, what `wrangler deploy` reports as "gzip").
//   npm run check:bundle [-- --max-kib 150]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { "max-kib": { type: "string", default: "150" } } });
const maxKib = Number(values["max-kib"]);
if (!(maxKib > 0)) {
  console.error(`--max-kib must be a positive number, got ${JSON.stringify(values["max-kib"])}`);
  process.exit(2);
}

const outdir = mkdtempSync(path.join(os.tmpdir(), "imagifyai-bundle-"));
try {
  const build = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
  const output = `${build.stdout ?? ""}${build.stderr ?? ""}`;
  const size = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
  if (build.status !== 0 || !size) {
    process.stdout.write(output);
    console.error(
      `wrangler deploy --dry-run failed (exit ${build.status ?? build.signal}): the output above says why.`,
    );
    process.exit(1);
  }
  const gzip = Number(size[2]);
  const line = `Worker bundle: ${size[1]} KiB, ${gzip} KiB gzip (limit ${maxKib} KiB gzip)`;
  if (gzip > maxKib) {
    console.error(`${line}: too large.`);
    process.exit(1);
  }
  console.log(line);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
