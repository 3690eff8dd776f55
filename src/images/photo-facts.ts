import { perceptualHash } from "./perceptual-hash";
import { type PhotoMetadata, readPhotoMetadata } from "./photo-metadata";

/** What a photo says about itself, and how it looks in 64 bits: read at upload, and by a library's backfill. */
export interface PhotoFacts {
  photo: PhotoMetadata;
  /** null when the Images binding could not make the small image it is computed from. */
  phash: string | null;
}

/**
 * The photo's EXIF metadata (from its bytes) and its perceptual hash, computed from `input`, its tagging input: the
 * small upright JPEG the tagger sees (see taggers.ts), so the photo is decoded once for both, and every hash of a
 * library is made the same way. Never throws: what cannot be read is null.
 */
export async function readPhotoFacts(
  images: ImagesBinding,
  bytes: Uint8Array,
  input: Promise<Uint8Array | null>,
): Promise<PhotoFacts> {
  const [photo, phash] = await Promise.all([
    readPhotoMetadata(bytes),
    input
      .then((small) => (small ? perceptualHash(images, small) : null))
      .catch((error: unknown) => {
        console.error("perceptual hash failed", { error: error instanceof Error ? error.message : String(error) });
        return null;
      }),
  ]);
  return { photo, phash };
}
