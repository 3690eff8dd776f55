// Real photos for the tests, from scikit-image's sample data as Debian packages it (python3-skimage), into
// .test-photos/ (git-ignored; photos are never committed). Idempotent: does nothing when every photo is
// there with its pinned sha256. Needs `apt-get download` + `dpkg-deb` (Debian/Ubuntu); how they are fetched is
// node-services/skimage-test-photos.js, shared with image-engine/.
//   node scripts/fetch-test-photos.js
import path from "node:path";
import { ensureSkimagePhotos, fetchWhenRunAsScript } from "../../node-services/skimage-test-photos.js";
import { PACKAGE_DIR } from "../src/config.js";

export const PHOTOS_DIR = path.join(PACKAGE_DIR, ".test-photos");

/** The photos the tests use, pinned to the bytes python3-skimage 0.19.3 ships. */
export const PHOTOS = {
  "astronaut.png": "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
  "coffee.png": "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7",
  "motorcycle_left.png": "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179",
  "chelsea.png": "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb",
  "rocket.jpg": "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c",
  "camera.png": "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a",
};

/**
 * Makes sure every photo in PHOTOS is in PHOTOS_DIR. Throws an Error with a one-paragraph reason when
 * they cannot be had.
 * @param {{ log?: (message: string) => void }} [options]
 */
export function ensureTestPhotos({ log } = {}) {
  return ensureSkimagePhotos({ photos: PHOTOS, dir: PHOTOS_DIR, log });
}

await fetchWhenRunAsScript(import.meta.url, ensureTestPhotos);
