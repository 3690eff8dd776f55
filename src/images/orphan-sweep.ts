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
 * Deletes R2 objects under `users/` that no images row references. Uploads write the object before the row and
 * remove it if the row cannot be written, so an orphan only survives a crash in between (or an R2 delete that
 * failed after a row was deleted): this sweep is the backstop that makes "no orphan objects" hold.
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
    const page = await bucket.list({ prefix: options.prefix ?? "users/", cursor, limit: 500 });
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

/** Keys (`users/<userId>/<sha256>`) with no images row for that owner and hash. */
async function unreferenced(db: D1Database, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const parsed = keys.map((key) => {
    const [, userId = "", sha256 = ""] = key.split("/");
    return { key, userId, sha256 };
  });
  const { results } = await db
    .prepare(
      `SELECT json_extract(k.value, '$.key') AS key FROM json_each(?1) AS k
       JOIN images ON images.user_id = json_extract(k.value, '$.userId') AND images.sha256 = json_extract(k.value, '$.sha256')`,
    )
    .bind(JSON.stringify(parsed))
    .all<{ key: string }>();
  const referenced = new Set(results.map((row) => row.key));
  return keys.filter((key) => !referenced.has(key));
}
