// How services reach a user's library (library-engine.ts): `openLibrary(platform, userId)` gives an object with the
// library's operations as methods, each one call to the owner's Durable Object, which runs it for that owner. The
// owner is named once, here, from the caller the service was given.
import type { Platform } from "../../platform";
import type { LibraryCall, LibraryEngine, LibraryOp } from "./library-engine";

export type LibraryClient = {
  [K in LibraryOp]: (...args: Parameters<LibraryEngine[K]>) => Promise<Awaited<ReturnType<LibraryEngine[K]>>>;
};

export function openLibrary(platform: Pick<Platform, "libraries">, owner: string): LibraryClient {
  const stub = platform.libraries.getByName(owner);
  return new Proxy({} as LibraryClient, {
    get:
      (_target, op) =>
      (...args: unknown[]) =>
        stub.run({ owner, op, args } as LibraryCall),
  });
}
