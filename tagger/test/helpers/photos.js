import { readFile } from "node:fs/promises";
import path from "node:path";
import { PHOTOS, PHOTOS_DIR } from "../../scripts/fetch-test-photos.js";

/**
 * A real photo from .test-photos/ (put there by scripts/fetch-test-photos.js, which `npm test` runs first).
 * @param {keyof typeof PHOTOS} name
 * @returns {Promise<Buffer<ArrayBuffer>>}
 */
export async function readPhoto(name) {
  try {
    return await readFile(path.join(PHOTOS_DIR, name));
  } catch {
    throw new Error(`${name} is not in ${PHOTOS_DIR}: run \`node scripts/fetch-test-photos.js\` (Debian/Ubuntu) first`);
  }
}
