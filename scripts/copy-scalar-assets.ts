// Copies Scalar's standalone bundle into public/ so /reference renders with no internet (run by postinstall).
import { copyFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const source = require.resolve("@scalar/api-reference/browser/standalone.js");
const target = new URL("../public/scalar/standalone.js", import.meta.url);
await mkdir(new URL(".", target), { recursive: true });
await copyFile(source, target);
