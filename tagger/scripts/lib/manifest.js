import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { PACKAGE_DIR } from "../../src/config.js";

export const MANIFEST_FILE = path.join(PACKAGE_DIR, "model-manifest.json");
export const DEFAULT_LOCK_FILE = path.join(PACKAGE_DIR, "model.lock.json");

/**
 * @typedef {{ sha256: string | null, variant?: 'fp32' | 'quantized' }} ManifestEntry
 * @typedef {{ model: string, repo: string, revision: string, baseUrl: string, files: Record<string, ManifestEntry> }} Manifest
 * @typedef {{ sha256: string, size: number }} LockedFile
 * @typedef {{ repo: string, commit: string | null, files: Record<string, LockedFile> }} Lock
 */

/** @returns {Promise<Manifest>} */
export async function readManifest() {
  return JSON.parse(await readFile(MANIFEST_FILE, "utf8"));
}

/**
 * @param {string} file
 * @param {string} repo
 * @returns {Promise<Lock>} an empty lock when the file does not exist yet
 */
export async function readLock(file, repo) {
  try {
    const lock = JSON.parse(await readFile(file, "utf8"));
    if (lock.repo !== repo) throw new Error(`${file} is for ${lock.repo}, not ${repo}; delete it to re-pin`);
    return lock;
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === "ENOENT") return { repo, commit: null, files: {} };
    throw error;
  }
}

/** @param {string} file @param {Lock} lock */
export async function writeLock(file, lock) {
  const sorted = Object.fromEntries(Object.entries(lock.files).sort(([a], [b]) => a.localeCompare(b)));
  await writeFile(`${file}.tmp`, JSON.stringify({ ...lock, files: sorted }, null, 2) + "\n");
  await rename(`${file}.tmp`, file);
}

/**
 * The checksum a file must have: pinned in the manifest, else recorded in the lock, else unknown.
 * @param {Manifest} manifest @param {Lock} lock @param {string} name
 * @returns {{ sha256: string, source: 'manifest' | 'lock' } | null}
 */
export function expectedChecksum(manifest, lock, name) {
  const pinned = manifest.files[name]?.sha256;
  if (pinned) return { sha256: pinned, source: "manifest" };
  const locked = lock.files[name]?.sha256;
  if (locked) return { sha256: locked, source: "lock" };
  return null;
}
