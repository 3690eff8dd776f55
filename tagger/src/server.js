// Entry point: `npm start` (node src/server.js). Configuration comes from TAGGER_* env vars.
import { readConfig } from "./config.js";
import { startTagger } from "./start.js";

/** @param {string} message */
const log = (message) => console.log(`[tagger] ${message}`);

let config;
try {
  config = readConfig();
} catch (error) {
  console.error(`[tagger] ${error instanceof Error ? error.message : error}`);
  process.exit(2);
}

let service;
try {
  service = await startTagger(config, { log });
} catch (error) {
  const code = /** @type {NodeJS.ErrnoException} */ (error).code;
  const why =
    code === "EADDRINUSE"
      ? `port ${config.port} on ${config.host} is already in use (set TAGGER_PORT)`
      : error instanceof Error
        ? error.message
        : String(error);
  console.error(`[tagger] could not start: ${why}`);
  process.exit(1);
}

log(`listening on ${service.url} — ${describe(service.tagger.health())}`);

/** Which model tags, in one line. @param {ReturnType<import('./tagger.js').Tagger['health']>} health */
function describe(health) {
  if (!health.model) return `no model, every /run answers 503: ${health.reason}`;
  if (!health.reason) return `model: ${health.model.name} (${health.model.file})`;
  return `model: ${health.model.name}, the embedded CenterNet detector (80 COCO classes), until ResNet-50 is there. ${health.reason}`;
}

for (const signal of /** @type {const} */ (["SIGTERM", "SIGINT"])) {
  process.once(signal, async () => {
    log(`${signal}: shutting down`);
    await service.close();
    process.exit(0);
  });
}

// `npm start` run by another program: if npm is killed it does not always pass the signal on,
// and this process would linger holding the port. Leave when our parent goes away.
const parentPid = process.ppid;
setInterval(async () => {
  if (process.ppid === parentPid) return;
  log("parent process exited: shutting down");
  await service.close();
  process.exit(0);
}, 1000).unref();
