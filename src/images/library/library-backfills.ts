// What a library's alarm catches up on for images stored before the library knew how (see library-engine.ts):
// dimensions as shown (D1's migrations/0008) and what a photo says about itself (schema step 2). A bounded number per
// alarm; each returns whether more are left, and the alarm comes back for them.
import type { Platform } from "../../platform";
import { readPhotoFacts } from "../photo-facts";
import { emptyPhotoMetadata } from "../photo-metadata";
import { sniffImage } from "../sniff";
import { listGeometryPending, listPhotoFactsPending, setGeometry, setPhotoFacts } from "../store/image-rows";
import type { LibraryDb } from "../store/library-schema";
import { prepareTaggingInput } from "../taggers";

/** Enough for the headers of nearly every photo (EXIF with its thumbnail comes before the frame header). */
const GEOMETRY_HEAD_BYTES = 256 * 1024;

/** Re-reads the headers of up to `limit` images moved from D1 unchecked; true when more are left. */
export async function backfillGeometry(db: LibraryDb, bucket: R2Bucket, limit: number): Promise<boolean> {
  const pending = listGeometryPending(db, limit + 1);
  for (const image of pending.slice(0, limit)) {
    // The headers are at the start; a file whose metadata runs longer is read whole.
    let file = await bucket.get(image.r2_key, { range: { offset: 0, length: GEOMETRY_HEAD_BYTES } });
    let sniffed = file && sniffImage(new Uint8Array(await file.arrayBuffer()));
    if (file && sniffed && !sniffed.ok && file.size > GEOMETRY_HEAD_BYTES) {
      file = await bucket.get(image.r2_key);
      sniffed = file && sniffImage(new Uint8Array(await file.arrayBuffer()));
    }
    const shown = sniffed?.ok ? sniffed.image : image; // unreadable or gone: keep what is recorded
    setGeometry(db, image.id, shown.width, shown.height);
  }
  return pending.length > limit;
}

/** Reads the metadata and perceptual hash of up to `limit` images that have none yet; true when more are left. */
export async function backfillPhotoFacts(
  db: LibraryDb,
  platform: Pick<Platform, "bucket" | "images">,
  limit: number,
): Promise<boolean> {
  const { bucket, images } = platform;
  const pending = listPhotoFactsPending(db, limit + 1);
  for (const image of pending.slice(0, limit)) {
    const file = await bucket.get(image.r2_key);
    const bytes = file && new Uint8Array(await file.arrayBuffer());
    // Gone (a delete in flight, an orphaned row): nothing to read, recorded as such so it is not tried again.
    const facts = bytes
      ? await readPhotoFacts(images, bytes, prepareTaggingInput(images, bytes))
      : { photo: emptyPhotoMetadata(), phash: null };
    setPhotoFacts(db, image.id, facts.photo, facts.phash);
  }
  return pending.length > limit;
}
