import { env, runInDurableObject } from "cloudflare:test";
import { type LibraryClient, openLibrary } from "../../src/images/library/library-client";
import type { LibraryDb } from "../../src/images/store/library-schema";
import { createServices } from "../../src/services";

/** A user's library, as the services reach it. */
export function libraryOf(userId: string): LibraryClient {
  return openLibrary(createServices(env).platform, { userId });
}

/** Runs `fn` inside the user's library object, on its SQL (opened first, so its schema is there). */
export async function inLibrary<T>(userId: string, fn: (db: LibraryDb) => T): Promise<T> {
  await libraryOf(userId).size();
  return runInDurableObject(env.LIBRARY.getByName(userId), (_instance, state) =>
    fn({ sql: state.storage.sql, owner: userId }),
  );
}

/** Rows of a query run on the user's library. */
export function librarySql<T extends Record<string, SqlStorageValue>>(
  userId: string,
  query: string,
  ...bindings: SqlStorageValue[]
): Promise<T[]> {
  return inLibrary(userId, (db) => db.sql.exec<T>(query, ...bindings).toArray());
}

/**
 * Makes the next transaction of the user's library fail as a storage failure would (SQLite full, an I/O error),
 * inside the object itself. Returns a function that undoes it.
 */
export async function failNextLibraryWrite(userId: string, message: string): Promise<() => Promise<void>> {
  await libraryOf(userId).size();
  const stub = env.LIBRARY.getByName(userId);
  await runInDurableObject(stub, (_instance, state) => {
    const original = state.storage.transactionSync.bind(state.storage);
    let failed = false;
    state.storage.transactionSync = <T>(fn: () => T): T => {
      if (failed) return original(fn);
      failed = true;
      throw new Error(message);
    };
  });
  return () =>
    runInDurableObject(stub, (_instance, state) => {
      delete (state.storage as { transactionSync?: unknown }).transactionSync;
    });
}
