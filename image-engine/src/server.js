// Entry point: `npm start` (node src/server.js). Configuration: IMAGE_ENGINE_* environment variables (config.js).
import { readConfig } from "./config.js";
import { startImageEngine } from "./start.js";

/** @param {string} message */
const log = (message) => console.log(`[image-engine] ${message}`);

let config;
try {
  config = readConfig();
} catch (error) {
  console.error(`[image-engine] ${error instanceof Error ? error.message : error}`);
  process.exit(2);
}

let service;
try {
  service = await startImageEngine(config, { log });
} catch (error) {
  const code = /** @type {NodeJS.ErrnoException} */ (error).code;
  const why =
    code === "EADDRINUSE"
      ? `port ${config.port} on ${config.host} is already in use (set IMAGE_ENGINE_PORT)`
      : error instanceof Error
        ? error.message
        : String(error);
  console.error(`[image-engine] could not start: ${why}`);
  process.exit(1);
}

log(
  `listening on ${service.url} — Cloudflare Images binding semantics (sharp + libheif-js), max ${config.limits.maxInputPixels} px input`,
);

for (const signal of /** @type {const} */ (["SIGTERM", "SIGINT"])) {
  process.once(signal, async () => {
    log(`${signal}: shutting down`);
    await service.close();
    process.exit(0);
  });
}

// Started by another program (npm start under a dev runner): if the parent dies without passing the signal on,
// leave instead of holding the port.
const parentPid = process.ppid;
setInterval(async () => {
  if (process.ppid === parentPid) return;
  log("parent process exited: shutting down");
  await service.close();
  process.exit(0);
}, 1000).unref();
