import { startHttpService } from "../../node-services/http-service.js";
import { createApp } from "./app.js";
import { Tagger } from "./tagger.js";

/**
 * Loads the model (or notes why it cannot), then listens. Closing frees the model once running requests are done.
 * @param {import('./config.js').TaggerConfig} config
 * @param {{ log?: (message: string) => void }} [options]
 */
export async function startTagger(config, { log = () => {} } = {}) {
  const tagger = new Tagger(config, log);
  await tagger.load();
  const service = await startHttpService(createApp(tagger, config, log), {
    host: config.host,
    port: config.port,
    requestTimeoutMs: 60_000,
    afterClose: () => tagger.close(),
  });
  return { ...service, tagger };
}
