/**
 * Writes openapi/openapi.json from the app's route definitions, without starting a server.
 * `--check` exits 1 when the committed file differs (CI's drift check).
 */
import { readFile, writeFile } from "node:fs/promises";
import { createApp } from "../src/app";
import { openApiDocumentConfig } from "../src/routes/openapi";

const target = new URL("../openapi/openapi.json", import.meta.url);
const document = `${JSON.stringify(createApp().getOpenAPI31Document(openApiDocumentConfig), null, 2)}\n`;

if (process.argv.includes("--check")) {
  const committed = await readFile(target, "utf8").catch(() => "");
  if (committed !== document) {
    console.error("openapi/openapi.json is stale: run `npm run generate` and commit the result.");
    process.exit(1);
  }
  console.log("openapi/openapi.json is current.");
} else {
  await writeFile(target, document);
  console.log("Wrote openapi/openapi.json");
}
