import { createServer } from "node:net";

/**
 * A free loopback port for what test/setup/image-engine.ts starts (the image engine, the pixel oracle): chosen when
 * the vitest config loads, so two runs at once (or npm start) never collide. The config passes it to the global
 * setup through the environment and to the Worker through its bindings.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The image engine's port for this run: set by the vitest config (see freePort), read by the global setup. */
export async function imageEnginePort(): Promise<number> {
  process.env.TEST_IMAGE_ENGINE_PORT ??= String(await freePort());
  return Number(process.env.TEST_IMAGE_ENGINE_PORT);
}
