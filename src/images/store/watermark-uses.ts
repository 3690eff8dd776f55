// Owner of a library's `watermark_uses`: which images' stored renditions draw which of the owner's images as a
// watermark. A rendition is stored under the image it is made of (image-objects.ts), so deleting that image takes
// it; but it also shows the watermark's pixels, so deleting the watermark must take it too. A use is recorded before
// such a rendition is made (a use without a file is harmless; a file without its use would outlive its watermark),
// and kept until the files that draw a deleted watermark are gone: a crash in between leaves the use for the alarm.
import type { LibraryDb } from "./library-schema";

/** Records that renditions of the content `sha256` draw image `watermarkId`; false (nothing recorded) if it is gone. */
export function recordWatermarkUse(db: LibraryDb, watermarkId: string, sha256: string): boolean {
  const found = db.sql.exec("SELECT 1 FROM images WHERE id = ?", watermarkId).toArray().length > 0;
  if (found) {
    db.sql.exec("INSERT OR IGNORE INTO watermark_uses (watermark_id, sha256) VALUES (?, ?)", watermarkId, sha256);
  }
  return found;
}

/** The contents whose renditions draw image `watermarkId`. */
export function watermarkUses(db: LibraryDb, watermarkId: string): string[] {
  return db.sql
    .exec<{ sha256: string }>("SELECT sha256 FROM watermark_uses WHERE watermark_id = ?", watermarkId)
    .toArray()
    .map((row) => row.sha256);
}

/** Watermarks whose image is deleted while uses of them remain: their renditions are still to delete. */
export function deletedWatermarks(db: LibraryDb): string[] {
  return db.sql
    .exec<{ id: string }>(
      `SELECT DISTINCT watermark_id AS id FROM watermark_uses u
       WHERE NOT EXISTS (SELECT 1 FROM images i WHERE i.id = u.watermark_id)`,
    )
    .toArray()
    .map((row) => row.id);
}

/** Forgets the uses of image `watermarkId` by these contents (their files that draw it are gone). */
export function forgetWatermarkUses(db: LibraryDb, watermarkId: string, sha256s: string[]): void {
  db.sql.exec(
    "DELETE FROM watermark_uses WHERE watermark_id = ? AND sha256 IN (SELECT value FROM json_each(?))",
    watermarkId,
    JSON.stringify(sha256s),
  );
}

/** Forgets every use by the content `sha256`, whose files are gone (released). */
export function forgetUsesBy(db: LibraryDb, sha256: string): void {
  db.sql.exec("DELETE FROM watermark_uses WHERE sha256 = ?", sha256);
}
