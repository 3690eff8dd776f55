import { objectsPrefix, ownerOfKey } from "./store/image-objects";
import { existingImageShas } from "./store/image-rows";

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
 * Deletes R2 objects (originals and derived files) whose image row does not exist. Uploads write the object before
 * the row and remove it if the row cannot be written, so an orphan only survives a crash in between (or an R2
 * delete that failed after a row was deleted): this sweep is the backstop that makes "no orphan objects" hold.
 */
export async function sweepOrphanObjects(
  db: D1Database,
  bucket: R2Bucket,
  options: SweepOptions,
): Promise<{ scanned: number; deleted: number }> {
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
    const orphans = await unreferenced(db, old);
    if (orphans.length > 0) await bucket.delete(orphans);
    deleted += orphans.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor && scanned < maxObjects);
  return { scanned, deleted };
}

/** Keys whose (owner, sha256) has no images row, or that lie outside the layout altogether. */
async function unreferenced(db: D1Database, keys: string[]): Promise<string[]> {
  const owners = keys.map((key) => ({ key, owner: ownerOfKey(key) }));
  const existing = await existingImageShas(
    db,
    owners.flatMap(({ owner }) => (owner ? [owner] : [])),
  );
  return owners.filter(({ owner }) => !owner || !existing.has(`${owner.userId}/${owner.sha256}`)).map(({ key }) => key);
}
