import { readFile } from "node:fs/promises";
import path from "node:path";
import { ensureTestPhotos, PHOTOS, PHOTOS_DIR } from "../../scripts/fetch-test-photos.js";

/** @type {Promise<void> | null} */
let ready = null;

/**
 * A real photo (scikit-image sample data from Debian's python3-skimage), fetched on first use.
 * @param {keyof typeof PHOTOS} name
 * @returns {Promise<Buffer<ArrayBuffer>>}
 */
export async function photo(name) {
  ready ??= ensureTestPhotos({ log: (message) => console.log(message) });
  await ready;
  return readFile(path.join(PHOTOS_DIR, name));
}
