// `node src/server.js` as a child process, for the process test and the two benchmarks.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const SERVER = fileURLToPath(new URL("../../src/server.js", import.meta.url));
const LISTENING = /listening on (http:\/\/\S+)/;

/**
 * Starts the server on a free loopback port with its models in `modelDir`; resolves once it says where it listens,
 * rejects with its output if it exits first. `output()` is everything it has written to stdout so far.
 * @param {string} modelDir
 * @param {{ stderr?: "inherit" | "pipe" }} [options]
 */
export async function startServer(modelDir, { stderr = "inherit" } = {}) {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, TAGGER_PORT: "0", TAGGER_MODEL_DIR: modelDir },
    stdio: ["ignore", "pipe", stderr],
  });
  let out = "";
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.once("exit", resolve));
  /** @type {string} */
  const url = await new Promise((resolve, reject) => {
    // Piped (stdio[1]), so not null; spawn's typings only tell that when stderr's setting is a single literal.
    /** @type {import("node:stream").Readable} */ (child.stdout).on("data", (chunk) => {
      out += chunk;
      const match = out.match(LISTENING);
      if (match) resolve(/** @type {string} */ (match[1]));
    });
    exited.then((code) => reject(new Error(`tagger exited (${code}): ${out}`)));
  });
  return { child, url, exited, output: () => out };
}

/** A process's memory in MiB. @param {number} pid @param {string} field  VmHWM = peak RSS, VmRSS = current */
export async function memoryMiB(pid, field) {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1]) / 1024;
}
