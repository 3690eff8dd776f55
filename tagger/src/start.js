import http from "node:http";
import { createApp } from "./app.js";
import { Tagger } from "./tagger.js";

/**
 * Loads the model (or notes why it cannot), then listens.
 * @param {import('./config.js').TaggerConfig} config
 * @param {{ log?: (message: string) => void }} [options]
 */
export async function startTagger(config, { log = () => {} } = {}) {
  const tagger = new Tagger(config, log);
  await tagger.load();
  const server = http.createServer(createApp(tagger, config, log));
  server.requestTimeout = 60_000;
  server.headersTimeout = 15_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closing = /** @type {Promise<void> | null} */ (null);
  /** Stops accepting connections, lets running requests finish (up to graceMs), frees the model. */
  const close = (graceMs = 5_000) =>
    (closing ??= (async () => {
      const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await tagger.close();
    })());

  return { server, tagger, url: `http://${host}:${address.port}`, close };
}
