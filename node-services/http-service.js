// The HTTP server of a local Node service (tagger/, image-engine/): listen, say where, close gracefully. Shared
// because both services serve their routes the same way and must stop the same way (finish running requests,
// then drop what is left), so that `npm start`, the tests and the root scripts can stop either one alike.
import http from "node:http";

/** Headers must arrive within this, whatever the service: a client that sends none is not a slow upload. */
const HEADERS_TIMEOUT_MS = 15_000;

/**
 * @typedef {object} HttpService
 * @property {import("node:http").Server} server
 * @property {string} url  where it listens, e.g. http://127.0.0.1:8788 (the port the system picked for port 0)
 * @property {(graceMs?: number) => Promise<void>} close  once: later calls get the same promise
 */

/**
 * Listens with `handler` on host:port; resolves once it listens, rejects with the listen error (EADDRINUSE, …).
 * @param {import("node:http").RequestListener} handler
 * @param {object} options
 * @param {string} options.host
 * @param {number} options.port  0 = a free port
 * @param {number} options.requestTimeoutMs  the longest one request may take, body and answer included
 * @param {() => Promise<void>} [options.afterClose]  frees what the service holds, once the last request is done
 * @returns {Promise<HttpService>}
 */
export async function startHttpService(handler, { host, port, requestTimeoutMs, afterClose = async () => {} }) {
  const server = http.createServer(handler);
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  await listen(server, port, host);

  let closing = /** @type {Promise<void> | null} */ (null);
  /** Stops accepting connections and lets running requests finish (up to graceMs), then runs afterClose. */
  const close = (graceMs = 5_000) =>
    (closing ??= (async () => {
      await closeGracefully(server, graceMs);
      await afterClose();
    })());

  return { server, url: urlOf(server), close };
}

/** @param {import("node:http").Server} server @param {number} port @param {string} host */
function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(undefined));
  });
}

/** @param {import("node:http").Server} server */
function urlOf(server) {
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Idle keep-alive connections would hold server.close() open until they time out: close them now, and any
 * connection still busy after graceMs.
 * @param {import("node:http").Server} server @param {number} graceMs
 */
async function closeGracefully(server, graceMs) {
  const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}
