// Real photos for the tests and the benchmark, from scikit-image's sample data as Debian packages it
// (python3-skimage, BSD-3-Clause; skimage.data's docstrings give these photos as public domain or CC0), into
// .test-photos/ (git-ignored; photos are never committed). The same pinned files as the tagger's copy
// (tagger/scripts/fetch-test-photos.js): taken from tagger/.test-photos when it already has them, else from
// `apt-get download python3-skimage` + `dpkg-deb -x`. Idempotent.
//   node scripts/fetch-test-photos.js
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

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

const DEB_PACKAGE = "python3-skimage";
const DATA_DIR = "usr/lib/python3/dist-packages/skimage/data";
const run = promisify(execFile);

/** @param {string} file */
async function sha256(file) {
  return createHash("sha256")
    .update(await readFile(file))
    .digest("hex");
}

/**
 * Makes sure every photo in PHOTOS is in PHOTOS_DIR; throws with the reason when they cannot be had.
 * @param {{ log?: (message: string) => void }} [options]
 */
export async function ensureTestPhotos({ log = () => {} } = {}) {
  const missing = [];
  for (const [name, hash] of Object.entries(PHOTOS)) {
    if ((await sha256(path.join(PHOTOS_DIR, name)).catch(() => null)) !== hash) missing.push(name);
  }
  if (missing.length === 0) return;
  await mkdir(PHOTOS_DIR, { recursive: true });

  const stillMissing = [];
  for (const name of missing) {
    const cached = path.join(TAGGER_PHOTOS_DIR, name);
    if ((await sha256(cached).catch(() => null)) === PHOTOS[/** @type {keyof typeof PHOTOS} */ (name)]) {
      await install(cached, name);
    } else {
      stillMissing.push(name);
    }
  }
  if (stillMissing.length === 0) return;

  log(`fetching test photos (${stillMissing.join(", ")}) from Debian's ${DEB_PACKAGE} into ${PHOTOS_DIR}`);
  const tmp = await mkdtemp(path.join(os.tmpdir(), "image-engine-photos-"));
  try {
    await aptDownload(tmp);
    const deb = (await readdir(tmp)).find((file) => file.endsWith(".deb"));
    if (!deb) throw new Error(`apt-get download ${DEB_PACKAGE} produced no .deb`);
    await run("dpkg-deb", ["-x", path.join(tmp, deb), path.join(tmp, "x")]);
    for (const name of stillMissing) {
      const source = path.join(tmp, "x", DATA_DIR, name);
      const got = await sha256(source).catch(() => "absent");
      if (got !== PHOTOS[/** @type {keyof typeof PHOTOS} */ (name)]) {
        throw new Error(`${deb}: ${name} has sha256 ${got}, expected the pinned one (update PHOTOS in this script)`);
      }
      await install(source, name);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Copy, then rename: a reader never sees half a file. @param {string} source @param {string} name */
async function install(source, name) {
  await copyFile(source, path.join(PHOTOS_DIR, `${name}.tmp`));
  await rename(path.join(PHOTOS_DIR, `${name}.tmp`), path.join(PHOTOS_DIR, name));
}

/** `apt-get download`, after one `apt-get update` (as root) if the package lists do not know the package yet. */
async function aptDownload(/** @type {string} */ dir) {
  const download = () => run("apt-get", ["download", "-q", DEB_PACKAGE], { cwd: dir });
  try {
    await download();
    return;
  } catch (error) {
    const e = /** @type {any} */ (error);
    const listsEmpty = /Unable to locate package|has no installation candidate/.test(e.stderr ?? "");
    if (!listsEmpty || process.getuid?.() !== 0) throw new Error(aptFailure(e));
  }
  await run("apt-get", ["update", "-qq"]).catch((error) => {
    throw new Error(aptFailure(error));
  });
  await download().catch((error) => {
    throw new Error(aptFailure(error));
  });
}

/** @param {any} error */
function aptFailure(error) {
  const why = error.code === "ENOENT" ? "apt-get is not installed" : String(error.stderr || error.message).trim();
  return (
    `could not get the test photos from Debian's ${DEB_PACKAGE}: ${why}\n` +
    `Elsewhere, copy ${Object.keys(PHOTOS).join(", ")} from scikit-image's skimage/data into ${PHOTOS_DIR}.`
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await ensureTestPhotos({ log: (message) => console.log(message) });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
