// How services reach a user's library (library-engine.ts): `openLibrary(platform, caller)` gives an object with the
// library's operations as methods, each one call to the owner's Durable Object, which runs it for that owner. The
// owner is named once, here, from the caller the service was given; so is the session, when the library is the one
// to check it (see SignedInCaller.sessionCheck).
import { invalidAccessToken } from "../../lib/problem";
import type { Caller, Platform, SignedInCaller } from "../../platform";
import type { LibraryAnswer, LibraryCall, LibraryEngine, LibraryOp } from "./library-engine";

export type LibraryClient = {
  [K in LibraryOp]: (...args: Parameters<LibraryEngine[K]>) => Promise<Awaited<ReturnType<LibraryEngine[K]>>>;
};

export function openLibrary(platform: Pick<Platform, "libraries">, caller: Caller | SignedInCaller): LibraryClient {
  const owner = caller.userId;
  const check = "sessionCheck" in caller ? caller.sessionCheck : undefined;
  const session = check && "sessionId" in caller ? caller.sessionId : undefined;
  const stub = platform.libraries.getByName(owner);
  return new Proxy({} as LibraryClient, {
    get:
      (_target, op) =>
      async (...args: unknown[]) => {
        const answer = (await stub.run({ owner, op, args, session } as LibraryCall)) as LibraryAnswer;
        if ("sessionEnded" in answer) throw invalidAccessToken();
        if (check) check.checked = true;
        return answer.value;
      },
  });
}
