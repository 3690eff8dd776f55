// Real photos for the tests, from scikit-image's sample data as Debian packages it (python3-skimage,
// BSD-3-Clause; skimage.data's docstrings give these photos as public domain or CC0), into
// .test-photos/ (git-ignored; photos are never committed). Idempotent: does nothing when every photo is
// there with its pinned sha256. Needs `apt-get download` + `dpkg-deb` (Debian/Ubuntu); as root it runs
// `apt-get update` once if the package lists are empty (fresh CI container).
//   node scripts/fetch-test-photos.js
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PACKAGE_DIR } from "../src/config.js";
import { sha256File } from "../src/model-files.js";

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

const DEB_PACKAGE = "python3-skimage";
const DATA_DIR = "usr/lib/python3/dist-packages/skimage/data";
const run = promisify(execFile);

/**
 * Makes sure every photo in PHOTOS is in PHOTOS_DIR. Throws an Error with a one-paragraph reason when
 * they cannot be had.
 * @param {{ log?: (message: string) => void }} [options]
 */
export async function ensureTestPhotos({ log = () => {} } = {}) {
  const missing = [];
  for (const [name, sha256] of Object.entries(PHOTOS)) {
    if ((await sha256File(path.join(PHOTOS_DIR, name)).catch(() => null)) !== sha256) missing.push(name);
  }
  if (missing.length === 0) return;

  log(`fetching test photos (${missing.join(", ")}) from Debian's ${DEB_PACKAGE} into ${PHOTOS_DIR}`);
  const tmp = await mkdtemp(path.join(os.tmpdir(), "tagger-photos-"));
  try {
    await aptDownload(tmp);
    const deb = (await readdir(tmp)).find((file) => file.endsWith(".deb"));
    if (!deb) throw new Error(`apt-get download ${DEB_PACKAGE} produced no .deb`);
    await run("dpkg-deb", ["-x", path.join(tmp, deb), path.join(tmp, "x")]);
    await mkdir(PHOTOS_DIR, { recursive: true });
    for (const name of missing) {
      const source = path.join(tmp, "x", DATA_DIR, name);
      const got = await sha256File(source).catch(() => "absent");
      if (got !== PHOTOS[name]) {
        throw new Error(`${deb}: ${name} has sha256 ${got}, expected ${PHOTOS[name]} (update PHOTOS in this script)`);
      }
      await copyFile(source, path.join(PHOTOS_DIR, `${name}.tmp`));
      await rename(path.join(PHOTOS_DIR, `${name}.tmp`), path.join(PHOTOS_DIR, name));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** `apt-get download`, after one `apt-get update` if the package lists do not know the package yet. */
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
    `They come from a Debian/Ubuntu package (apt-get download ${DEB_PACKAGE}; dpkg-deb -x); elsewhere copy ` +
    `${Object.keys(PHOTOS).join(", ")} from scikit-image's skimage/data into ${PHOTOS_DIR}.`
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
