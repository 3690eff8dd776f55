// Real photos for the tests and the benchmark, from scikit-image's sample data as Debian packages it
// (python3-skimage), into .test-photos/ (git-ignored; photos are never committed). The same pinned files as the
// tagger's copy (tagger/scripts/fetch-test-photos.js): taken from tagger/.test-photos when it already has them, else
// from `apt-get download python3-skimage` + `dpkg-deb -x` (node-services/skimage-test-photos.js, shared with
// tagger/). Idempotent.
//   node scripts/fetch-test-photos.js
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureSkimagePhotos, fetchWhenRunAsScript } from "../../node-services/skimage-test-photos.js";

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const PHOTOS_DIR = path.join(PACKAGE_DIR, ".test-photos");
const TAGGER_PHOTOS_DIR = path.join(PACKAGE_DIR, "..", "tagger", ".test-photos");

/** The photos used here, pinned to the bytes python3-skimage 0.19.3 ships. */
export const PHOTOS = {
  "chelsea.png": "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb", // 451×300, a cat
  "astronaut.png": "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5", // 512×512
  "coffee.png": "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7", // 600×400
  "rocket.jpg": "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c", // 640×427
  // More real photos, for measuring the perceptual hash's near-duplicate threshold (test/photos/perceptual-hash.test.ts
  // at the repository root): gray ones (b-w PNG) and colour ones, scenes, textures, microscopy, space.
  "camera.png": "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a", // 512×512, gray
  "coins.png": "f8d773fc9cfa6f4d8e5942dc34d0a0788fcaed2a4fefbbed0aef5398d7ef4cba", // 384×303, gray
  "moon.png": "78739619d11f7eb9c165bb5d2efd4772cee557812ec847532dbb1d92ef71f577", // 512×512, gray
  "page.png": "341a6f0a61557662b02734a9b6e56ec33a915b2c41886b97509dedf2a43b47a3", // 384×191, gray, a scanned page
  "cell.png": "8d23a7fb81f7cc877cd09f330357fc7f595651306e84e17252f6e0a1b3f61515", // 550×660, gray, microscopy
  "brick.png": "7966caf324f6ba843118d98f7a07746d22f6a343430add0233eca5f6eaaa8fcf", // 512×512, gray, a texture
  "grass.png": "b6b6022426b38936c43a4ac09635cd78af074e90f42ffa8227ac8b7452d39f89", // 512×512, gray, a texture
  "gravel.png": "c48615b451bf1e606fbd72c0aa9f8cc0f068ab7111ef7d93bb9b0f2586440c12", // 512×512, gray, a texture
  "motorcycle_left.png": "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179", // 741×500, a stereo pair…
  "motorcycle_right.png": "5fc913ae870e42a4b662314bc904d1786bcad8e2f0b9b67dba5a229406357797", // …of the same scene
  "ihc.png": "f8dd1aa387ddd1f49d8ad13b50921b237df8e9b262606d258770687b0ef93cef", // 512×512, microscopy
  "hubble_deep_field.jpg": "3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4", // 1000×872
  "retina.jpg": "38a07f36f27f095e818aea7b96d34202c05176d30253c66733f2e00379e9e0e6", // 1411×1411
};

/**
 * Makes sure every photo in PHOTOS is in PHOTOS_DIR; throws with the reason when they cannot be had.
 * @param {{ log?: (message: string) => void }} [options]
 */
export function ensureTestPhotos({ log } = {}) {
  return ensureSkimagePhotos({ photos: PHOTOS, dir: PHOTOS_DIR, cacheDirs: [TAGGER_PHOTOS_DIR], log });
}

await fetchWhenRunAsScript(import.meta.url, ensureTestPhotos);
