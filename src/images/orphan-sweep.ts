import type { Platform } from "../platform";
import { openLibrary } from "./library/library-client";
import { objectsPrefix, ownerOfKey } from "./store/image-objects";

export interface SweepOptions {
  /** Objects younger than this may belong to an upload whose row is still being written. */
  graceMs: number;
  now?: number;
  /** Bound on the work of one run; the next run continues the sweep. */
  maxObjects?: number;
  /** Narrows the sweep (default: every user's objects). */
  prefix?: string;
}

/**
 * Deletes R2 objects (originals and derived files) whose image does not exist in its owner's library. Uploads write
 * the object before the row and remove it if the row cannot be written, so an orphan only survives a crash in
 * between (or an R2 delete that failed after a row was deleted): this sweep is the backstop that makes "no orphan
 * objects" hold.
 */
export async function sweepOrphanObjects(
  platform: Pick<Platform, "bucket" | "libraries">,
  options: SweepOptions,
): Promise<{ scanned: number; deleted: number }> {
  const { bucket } = platform;
  const now = options.now ?? Date.now();
  const maxObjects = options.maxObjects ?? 10_000;
  let cursor: string | undefined;
  let scanned = 0;
  let deleted = 0;
  do {
    const page = await bucket.list({ prefix: options.prefix ?? objectsPrefix(), cursor, limit: 500 });
    scanned += page.objects.length;
    const old = page.objects
      .filter((object) => object.uploaded.getTime() < now - options.graceMs)
      .map((object) => object.key);
    const orphans = await unreferenced(platform, old);
    if (orphans.length > 0) await bucket.delete(orphans);
    deleted += orphans.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor && scanned < maxObjects);
  return { scanned, deleted };
}

/** Keys whose (owner, sha256) has no image in the owner's library, or that lie outside the layout altogether. */
async function unreferenced(platform: Pick<Platform, "libraries">, keys: string[]): Promise<string[]> {
  const owned = keys.map((key) => ({ key, owner: ownerOfKey(key) }));
  const shasByUser = new Map<string, Set<string>>();
  for (const { owner } of owned) {
    if (owner) shasByUser.set(owner.userId, (shasByUser.get(owner.userId) ?? new Set()).add(owner.sha256));
  }
  // One call per owner on the page (keys are listed in order, so a page holds few owners).
  const existing = new Set<string>();
  await Promise.all(
    [...shasByUser].map(async ([userId, shas]) => {
      for (const sha256 of await openLibrary(platform, { userId }).existingShas([...shas])) {
        existing.add(`${userId}/${sha256}`);
      }
    }),
  );
  return owned.filter(({ owner }) => !owner || !existing.has(`${owner.userId}/${owner.sha256}`)).map(({ key }) => key);
}
