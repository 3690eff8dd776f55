// Runs the contract fuzz suite (test/contract/fuzz.test.ts) alone, with a chosen number of requests:
//   npm run fuzz -- --runs 20000
// The count reaches the test as the FUZZ_RUNS binding (vitest.config.ts). Other arguments go to vitest.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";

const root = path.join(import.meta.dirname, "..");
const { values } = parseArgs({
  options: { runs: { type: "string" }, help: { type: "boolean", short: "h" } },
  allowPositionals: true,
  strict: false,
});

if (values.help) {
  console.log("usage: npm run fuzz -- [--runs N] [vitest options]   (default N: 2000)");
  process.exit(0);
}

const runs = values.runs === undefined ? "2000" : String(values.runs);
if (!/^[1-9]\d*$/.test(runs)) {
  console.error(`--runs must be a positive integer, got ${JSON.stringify(values.runs)}`);
  process.exit(2);
}

// parseArgs with strict: false keeps unknown options in `values`; hand them (and positionals) to vitest as given.
const passThrough = process.argv.slice(2).filter((arg, i, all) => {
  if (arg === "--runs" || arg === "-h" || arg === "--help") return false;
  if (arg.startsWith("--runs=")) return false;
  if (all[i - 1] === "--runs") return false;
  return true;
});

const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
const started = Date.now();
const child = spawn(process.execPath, [vitest, "run", "test/contract/fuzz.test.ts", ...passThrough], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, FUZZ_RUNS: runs },
});
child.on("exit", (code, signal) => {
  console.log(`fuzz: ${runs} runs, wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(signal ? 1 : (code ?? 1));
});
