// Entry point: `npm start` (node src/server.js). Configuration: IMAGE_ENGINE_* environment variables (config.js).
import { runServiceProcess } from "../../node-services/service-process.js";
import { readConfig } from "./config.js";
import { startImageEngine } from "./start.js";

await runServiceProcess({
  name: "image-engine",
  portVariable: "IMAGE_ENGINE_PORT",
  readConfig,
  start: startImageEngine,
  describe: (_service, config) =>
    `Cloudflare Images binding semantics (sharp + libheif-js), max ${config.limits.maxInputPixels} px input`,
});
