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
