import http from "node:http";
import { createApp } from "./app.js";

/**
 * Starts the engine's HTTP server. Resolves once it listens.
 * @param {import("./config.js").EngineConfig} config
 * @param {{ log?: (message: string) => void }} [options]
 */
export async function startImageEngine(config, { log = () => {} } = {}) {
  const server = http.createServer(createApp(config, log));
  server.requestTimeout = 120_000;
  server.headersTimeout = 15_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve(undefined));
  });
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closing = /** @type {Promise<void> | null} */ (null);
  /** Stops accepting connections and lets running requests finish (up to graceMs). */
  const close = (graceMs = 5_000) =>
    (closing ??= (async () => {
      const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
    })());

  return { server, url: `http://${host}:${address.port}`, close };
}
