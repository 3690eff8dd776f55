// Owner of a library's `releases`: the files of content that no image holds any more, being removed from R2.
//
// Deleting an image removes its row, then its files. An upload of the same bytes racing that delete would write the
// original the delete is about to remove, and end as a row without a file. So every release is recorded (pending,
// with a generation that moves on) in the same transaction that frees the content; an upload takes the generation
// before it writes to R2 (a "ticket") and may only add its row if no release of that content began since. Releases
// run inside the library object, one at a time per content (see the engine), so "began since" is exact.
import type { LibraryDb } from "./library-schema";

/** Records that `sha256`'s files are to be removed: the generation moves on, and the release is pending. */
export function beginRelease(db: LibraryDb, sha256: string, now: number): void {
  db.sql.exec(
    `INSERT INTO releases (sha256, gen, pending, at) VALUES (?1, 1, 1, ?2)
     ON CONFLICT (sha256) DO UPDATE SET gen = gen + 1, pending = 1, at = ?2`,
    sha256,
    now,
  );
}

export function endRelease(db: LibraryDb, sha256: string): void {
  db.sql.exec("UPDATE releases SET pending = 0 WHERE sha256 = ?", sha256);
}

/** The content's release generation (0: never released), and whether a release of it is still to finish. */
export function releaseState(db: LibraryDb, sha256: string): { gen: number; pending: boolean } {
  const row = db.sql
    .exec<{ gen: number; pending: number }>("SELECT gen, pending FROM releases WHERE sha256 = ?", sha256)
    .toArray()[0];
  return { gen: row?.gen ?? 0, pending: row?.pending === 1 };
}

/** Releases a crash interrupted, for the alarm to finish. */
export function pendingReleases(db: LibraryDb): string[] {
  return db.sql
    .exec<{ sha256: string }>("SELECT sha256 FROM releases WHERE pending = 1")
    .toArray()
    .map((row) => row.sha256);
}

/**
 * Forgets finished releases older than `before`: no upload holds a ticket that long. (One that did would see
 * generation 0 and write its original again, which is harmless.)
 */
export function forgetReleases(db: LibraryDb, before: number): void {
  db.sql.exec("DELETE FROM releases WHERE pending = 0 AND at < ?", before);
}
