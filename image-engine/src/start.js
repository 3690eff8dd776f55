import { startHttpService } from "../../node-services/http-service.js";
import { createApp } from "./app.js";

/**
 * Starts the engine's HTTP server. Resolves once it listens.
 * @param {import("./config.js").EngineConfig} config
 * @param {{ log?: (message: string) => void }} [options]
 */
export async function startImageEngine(config, { log = () => {} } = {}) {
  return startHttpService(createApp(config, log), { host: config.host, port: config.port, requestTimeoutMs: 120_000 });
}
