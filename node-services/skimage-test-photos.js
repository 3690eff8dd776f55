// Real photos for the tests of the local Node services (tagger/, image-engine/): scikit-image's sample data as
// Debian packages it (python3-skimage, BSD-3-Clause; skimage.data's docstrings give these photos as public domain
// or CC0), taken with `apt-get download` + `dpkg-deb -x` (no install; as root, `apt-get update` once if the package
// lists do not know the package yet, as in a fresh CI container). Shared because both packages pin photos from the
// same Debian package and fetch them the same way; each keeps its own list, folder and scripts/fetch-test-photos.js.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const DEB_PACKAGE = "python3-skimage";
const DATA_DIR = "usr/lib/python3/dist-packages/skimage/data";
const run = promisify(execFile);

/**
 * Makes sure every photo in `photos` is in `dir` with its pinned sha256: copied from `cacheDirs` when one of them
 * has it, else taken from Debian's package. Does nothing when all are there. Throws an Error with a one-paragraph
 * reason when they cannot be had.
 * @param {object} options
 * @param {Record<string, string>} options.photos  file name → sha256 of the bytes python3-skimage ships
 * @param {string} options.dir  where they go (a package's .test-photos/, git-ignored: photos are never committed)
 * @param {string[]} [options.cacheDirs]  folders that may already hold some of them (another package's .test-photos/)
 * @param {(message: string) => void} [options.log]
 */
export async function ensureSkimagePhotos({ photos, dir, cacheDirs = [], log = () => {} }) {
  const missing = await missingFrom(dir, photos);
  if (missing.length === 0) return;
  await mkdir(dir, { recursive: true });

  const notCached = [];
  for (const name of missing) {
    const cached = await findCopy(cacheDirs, name, /** @type {string} */ (photos[name]));
    if (cached) await install(cached, dir, name);
    else notCached.push(name);
  }
  if (notCached.length === 0) return;

  log(`fetching test photos (${notCached.join(", ")}) from Debian's ${DEB_PACKAGE} into ${dir}`);
  await installFromDebian(notCached, photos, dir);
}

/**
 * The photos that `dir` lacks, or holds with other bytes than pinned.
 * @param {string} dir @param {Record<string, string>} photos
 */
async function missingFrom(dir, photos) {
  const missing = [];
  for (const [name, sha256] of Object.entries(photos)) {
    if ((await sha256OfFile(path.join(dir, name)).catch(() => null)) !== sha256) missing.push(name);
  }
  return missing;
}

/**
 * The first of `dirs` that holds `name` with the pinned bytes, as a path; null when none does.
 * @param {string[]} dirs @param {string} name @param {string} sha256
 */
async function findCopy(dirs, name, sha256) {
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if ((await sha256OfFile(file).catch(() => null)) === sha256) return file;
  }
  return null;
}

/**
 * Downloads the package into a temporary folder, unpacks it, and installs `names` from its data folder, each
 * checked against its pinned sha256 (a newer package with other bytes is an error, not a silent change of photos).
 * @param {string[]} names @param {Record<string, string>} photos @param {string} dir
 */
async function installFromDebian(names, photos, dir) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "skimage-photos-"));
  try {
    await aptDownload(tmp).catch((error) => {
      throw new Error(
        `could not get the test photos from Debian's ${DEB_PACKAGE}: ${aptFailure(error)}\n` +
          `They come from a Debian/Ubuntu package (apt-get download ${DEB_PACKAGE}; dpkg-deb -x); elsewhere copy ` +
          `${Object.keys(photos).join(", ")} from scikit-image's skimage/data into ${dir}.`,
      );
    });
    const deb = (await readdir(tmp)).find((file) => file.endsWith(".deb"));
    if (!deb) throw new Error(`apt-get download ${DEB_PACKAGE} produced no .deb`);
    await run("dpkg-deb", ["-x", path.join(tmp, deb), path.join(tmp, "x")]);
    for (const name of names) {
      const source = path.join(tmp, "x", DATA_DIR, name);
      const got = await sha256OfFile(source).catch(() => "absent");
      if (got !== photos[name]) {
        throw new Error(
          `${deb}: ${name} has sha256 ${got}, expected ${photos[name]} (update PHOTOS in scripts/fetch-test-photos.js)`,
        );
      }
      await install(source, dir, name);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Copy, then rename: a reader never sees half a file. @param {string} source @param {string} dir @param {string} name */
async function install(source, dir, name) {
  await copyFile(source, path.join(dir, `${name}.tmp`));
  await rename(path.join(dir, `${name}.tmp`), path.join(dir, name));
}

/** `apt-get download` into `dir`, after one `apt-get update` (as root) if the package lists do not know the package yet. */
async function aptDownload(/** @type {string} */ dir) {
  const download = () => run("apt-get", ["download", "-q", DEB_PACKAGE], { cwd: dir });
  try {
    await download();
    return;
  } catch (error) {
    const stderr = String(/** @type {any} */ (error).stderr ?? "");
    const listsEmpty = /Unable to locate package|has no installation candidate/.test(stderr);
    if (!listsEmpty || process.getuid?.() !== 0) throw error;
  }
  await run("apt-get", ["update", "-qq"]);
  await download();
}

/** What went wrong with apt, in a line. @param {any} error */
function aptFailure(error) {
  return error.code === "ENOENT" ? "apt-get is not installed" : String(error.stderr || error.message).trim();
}

/** @param {string} file @returns {Promise<string>} hex sha256 of the file's bytes */
async function sha256OfFile(file) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * The command line of a package's scripts/fetch-test-photos.js: when node runs that script itself (rather than a
 * test importing it), ensure the photos with progress on stdout, and exit 1 with the reason when they cannot be had.
 * @param {string} scriptUrl  the script's import.meta.url
 * @param {(options: { log: (message: string) => void }) => Promise<void>} ensureTestPhotos
 */
export async function fetchWhenRunAsScript(scriptUrl, ensureTestPhotos) {
  if (!process.argv[1] || path.resolve(process.argv[1]) !== fileURLToPath(scriptUrl)) return;
  try {
    await ensureTestPhotos({ log: (message) => console.log(message) });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
