// binding.ts is TypeScript for the Worker; Node 20 cannot run it directly. It is compiled (and type-checked)
// with the TypeScript of the repository root (read-only use of /work/main/node_modules).
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const ROOT = path.resolve(PACKAGE_DIR, "..");
export const BINDING_TS = path.join(ROOT, "src/images/local-images-binding.ts");
const WORKER_TYPES = path.join(ROOT, "worker-configuration.d.ts");

/** @returns {typeof import("typescript")} */
function typescript() {
  try {
    return createRequire(path.join(ROOT, "package.json"))("typescript");
  } catch {
    throw new Error(
      `binding.ts is compiled with the repository's TypeScript, not found from ${ROOT}: run \`npm ci\` there.`,
    );
  }
}

/** @type {string | null} */
let workdir = null;
async function tmp() {
  workdir ??= await mkdtemp(path.join(os.tmpdir(), "image-engine-binding-"));
  return workdir;
}

/** The compiled module: { localImagesBinding }. */
export async function importBinding() {
  const ts = typescript();
  const { outputText } = ts.transpileModule(await readFile(BINDING_TS, "utf8"), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    fileName: "binding.ts",
  });
  const file = path.join(await tmp(), "binding.mjs");
  await writeFile(file, outputText);
  return import(pathToFileURL(file).href);
}

/**
 * Type-checks binding.ts against the Worker's ambient types with the root tsconfig's strict settings.
 * worker-configuration.d.ts refers to the app's own modules (`import("./src/index")`) for Env; those references
 * become `any` in a copy, so this checks binding.ts alone, whatever state src/ is in.
 * @returns {Promise<string[]>}  diagnostics, empty when clean
 */
export async function typecheckBinding() {
  const ts = typescript();
  const types = (await readFile(WORKER_TYPES, "utf8"))
    .replace(/typeof import\("\.\/src\/[^"]*"\)/g, "any")
    .replace(/import\("\.\/src\/[^"]*"\)\.[A-Za-z_$][\w$]*/g, "any");
  const typesFile = path.join(await tmp(), "worker-configuration.d.ts");
  await writeFile(typesFile, types);
  const { options } = ts.convertCompilerOptionsFromJson(
    {
      target: "ES2022",
      module: "ESNext",
      moduleResolution: "Bundler",
      lib: ["ES2023"],
      types: [],
      strict: true,
      noUncheckedIndexedAccess: true,
      noImplicitOverride: true,
      noFallthroughCasesInSwitch: true,
      exactOptionalPropertyTypes: false,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      skipLibCheck: true,
      noEmit: true,
    },
    ROOT,
  );
  const program = ts.createProgram([BINDING_TS, typesFile], options);
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        ts.flattenDiagnosticMessageText(d.messageText, "\n") + (d.file ? ` (${path.basename(d.file.fileName)})` : ""),
    );
}
