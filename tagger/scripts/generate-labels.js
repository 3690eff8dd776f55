// Regenerates labels.json from the ImageNet class list that ships in the npm package
// @tensorflow-models/mobilenet (Apache-2.0). The package is fetched with `npm pack` into a
// temporary folder, so it never becomes a dependency of the tagger.
//   npm run labels:generate
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { LABELS_FILE, toWorkersAiLabel } from "../src/labels.js";

const SOURCE_PACKAGE = "@tensorflow-models/mobilenet@2.1.1";
const KNOWN = { 207: "GOLDEN RETRIEVER", 281: "TABBY", 282: "TIGER CAT" };

const tmp = mkdtempSync(path.join(os.tmpdir(), "tagger-labels-"));
try {
  execFileSync("npm", ["pack", SOURCE_PACKAGE, "--silent"], { cwd: tmp, stdio: ["ignore", "ignore", "inherit"] });
  const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error(`npm pack ${SOURCE_PACKAGE} produced no tarball`);
  execFileSync("tar", ["xzf", tarball], { cwd: tmp });
  const { IMAGENET_CLASSES } = createRequire(import.meta.url)(path.join(tmp, "package", "dist", "imagenet_classes.js"));
  const labels = [];
  for (let i = 0; i < 1000; i++) {
    if (typeof IMAGENET_CLASSES[i] !== "string") throw new Error(`class ${i} missing in ${SOURCE_PACKAGE}`);
    labels.push(toWorkersAiLabel(IMAGENET_CLASSES[i]));
  }
  for (const [index, label] of Object.entries(KNOWN)) {
    if (labels[Number(index)] !== label)
      throw new Error(`index ${index}: expected ${label}, got ${labels[Number(index)]}`);
  }
  writeFileSync(LABELS_FILE, JSON.stringify(labels, null, 0).replaceAll('","', '",\n"') + "\n");
  console.log(`wrote ${labels.length} labels to ${LABELS_FILE} (from ${SOURCE_PACKAGE})`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
