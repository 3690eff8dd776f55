// Entry point: `npm start` (node src/server.js). Configuration comes from TAGGER_* env vars.
import { runServiceProcess } from "../../node-services/service-process.js";
import { readConfig } from "./config.js";
import { startTagger } from "./start.js";

await runServiceProcess({
  name: "tagger",
  portVariable: "TAGGER_PORT",
  readConfig,
  start: startTagger,
  describe: (service) => describeModel(service.tagger.health()),
});

/** Which model tags, in one line. @param {ReturnType<import('./tagger.js').Tagger['health']>} health */
function describeModel(health) {
  if (!health.model) return `no model, every /run answers 503: ${health.reason}`;
  if (!health.reason) return `model: ${health.model.name} (${health.model.file})`;
  return `model: ${health.model.name}, the embedded CenterNet detector (80 COCO classes), until ResNet-50 is there. ${health.reason}`;
}
