// Starts the real tagger/ service (node tagger/src/server.js: onnxruntime + sharp) twice on loopback: once with a
// tiny model whose answers are known in advance (tagger/test/helpers/onnx/colour-model.js) and once with no model.
// The Worker under test runs in local mode against the first (see vitest.local-tagger.config.ts).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { solidImage } from "../../tagger/test/helpers/images.js";
import { buildColourModel } from "../../tagger/test/helpers/onnx/colour-model.js";
import { LOCAL_TAGGER_PORT, MISSING_MODEL_TAGGER_PORT } from "./ports";

export default async function setup(project: TestProject) {
  const withModelDir = await mkdtemp(path.join(os.tmpdir(), "tagger-model-"));
  await mkdir(path.join(withModelDir, "onnx"));
  await writeFile(path.join(withModelDir, "onnx", "model.onnx"), buildColourModel());
  const emptyDir = await mkdtemp(path.join(os.tmpdir(), "tagger-empty-"));

  const services = [
    await startTagger(withModelDir, LOCAL_TAGGER_PORT),
    await startTagger(emptyDir, MISSING_MODEL_TAGGER_PORT),
  ];
  // The TABBY prototype colour of the colour model, as a real PNG.
  const png = await solidImage("png", [200, 120, 40], { width: 64, height: 48 });
  project.provide("tabbyPngBase64", Buffer.from(png).toString("base64"));

  return async () => {
    for (const service of services) service.kill("SIGTERM");
    await Promise.all([
      rm(withModelDir, { recursive: true, force: true }),
      rm(emptyDir, { recursive: true, force: true }),
    ]);
  };
}

async function startTagger(modelDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["tagger/src/server.js"], {
    env: {
      ...process.env,
      TAGGER_MODEL_DIR: modelDir,
      TAGGER_PORT: String(port),
      TAGGER_HOST: "127.0.0.1",
      TAGGER_THREADS: "1",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    if (child.exitCode !== null) throw new Error(`tagger on port ${port} exited with ${child.exitCode}`);
    const healthy = await fetch(`http://127.0.0.1:${port}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGTERM");
  throw new Error(`tagger on port ${port} did not start`);
}

declare module "vitest" {
  export interface ProvidedContext {
    tabbyPngBase64: string;
  }
}
