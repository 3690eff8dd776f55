import { createRequire } from "node:module";
import path from "node:path";

/** @type {Promise<{ tf: typeof import('@tensorflow/tfjs-core'), loadGraphModel: typeof import('@tensorflow/tfjs-converter').loadGraphModel }> | null} */
let loading = null;

/**
 * TensorFlow.js on its WebAssembly backend, initialised once per process and only when needed
 * (the ResNet-50 path never loads it). The .wasm files are read from the installed package:
 * the backend's default location is a CDN.
 */
export function tfWasm() {
  loading ??= (async () => {
    const tf = await import("@tensorflow/tfjs-core");
    const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
    const { loadGraphModel } = await import("@tensorflow/tfjs-converter");
    const wasmFile = createRequire(import.meta.url).resolve(
      "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm",
    );
    setWasmPaths(`${path.dirname(wasmFile)}${path.sep}`);
    if (!(await tf.setBackend("wasm"))) throw new Error("the TensorFlow.js WebAssembly backend did not initialise");
    await tf.ready();
    return { tf, loadGraphModel };
  })();
  loading.catch(() => {
    loading = null;
  });
  return loading;
}
