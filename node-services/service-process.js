// The process around a local Node service (tagger/, image-engine/), for its `npm start` (node src/server.js): read
// the configuration, listen, say so in one line, and stop cleanly. Shared because the root `npm start`, the root
// tests and scripts/check-crash-recovery.ts run both services as child processes and treat them alike: exit 2 for
// a bad setting, 1 when it cannot listen, 0 after SIGTERM/SIGINT, and never outliving the parent.

/**
 * @template {{ host: string, port: number }} Config
 * @template {{ url: string, close: () => Promise<void> }} Service
 * @typedef {object} ServiceProcess
 * @property {string} name  the log prefix, e.g. "tagger" → "[tagger] listening on …"
 * @property {string} portVariable  the environment variable that sets the port, named when the port is taken
 * @property {() => Config} readConfig  throws an Error whose message names the bad setting
 * @property {(config: Config, options: { log: (message: string) => void }) => Promise<Service>} start
 * @property {(service: Service, config: Config) => string} describe  what serves, for the "listening on" line
 */

/**
 * Starts the service and stays up until SIGTERM, SIGINT or the parent process goes away; exits the process
 * itself when it cannot start.
 * @template {{ host: string, port: number }} Config
 * @template {{ url: string, close: () => Promise<void> }} Service
 * @param {ServiceProcess<Config, Service>} serviceProcess
 */
export async function runServiceProcess({ name, portVariable, readConfig, start, describe }) {
  /** @param {string} message */
  const log = (message) => console.log(`[${name}] ${message}`);
  const config = readConfigOrExit(readConfig, name);
  const service = await startOrExit(() => start(config, { log }), config, name, portVariable);
  log(`listening on ${service.url} — ${describe(service, config)}`);
  closeOnSignals(service, log);
  closeWhenOrphaned(service, log);
}

/**
 * A bad setting is a one-line error and exit code 2, not a stack trace.
 * @template Config
 * @param {() => Config} readConfig @param {string} name
 * @returns {Config}
 */
function readConfigOrExit(readConfig, name) {
  try {
    return readConfig();
  } catch (error) {
    console.error(`[${name}] ${error instanceof Error ? error.message : error}`);
    process.exit(2);
  }
}

/**
 * Cannot listen (most often: the port is taken): one line that says which variable moves it, and exit code 1.
 * @template Service
 * @param {() => Promise<Service>} start @param {{ host: string, port: number }} config
 * @param {string} name @param {string} portVariable
 * @returns {Promise<Service>}
 */
async function startOrExit(start, config, name, portVariable) {
  try {
    return await start();
  } catch (error) {
    const code = /** @type {NodeJS.ErrnoException} */ (error).code;
    const why =
      code === "EADDRINUSE"
        ? `port ${config.port} on ${config.host} is already in use (set ${portVariable})`
        : error instanceof Error
          ? error.message
          : String(error);
    console.error(`[${name}] could not start: ${why}`);
    process.exit(1);
  }
}

/**
 * @param {{ close: () => Promise<void> }} service @param {(message: string) => void} log
 */
function closeOnSignals(service, log) {
  for (const signal of /** @type {const} */ (["SIGTERM", "SIGINT"])) {
    process.once(signal, async () => {
      log(`${signal}: shutting down`);
      await service.close();
      process.exit(0);
    });
  }
}

/**
 * Run by another program (`npm start` under a dev runner): if npm is killed it does not always pass the signal on,
 * and this process would linger holding the port. Leave when the parent goes away (we are re-parented).
 * @param {{ close: () => Promise<void> }} service @param {(message: string) => void} log
 */
function closeWhenOrphaned(service, log) {
  const parentPid = process.ppid;
  setInterval(async () => {
    if (process.ppid === parentPid) return;
    log("parent process exited: shutting down");
    await service.close();
    process.exit(0);
  }, 1000).unref();
}
