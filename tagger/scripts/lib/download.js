import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/** A download problem worth a one-line message (no stack trace). */
export class FetchError extends Error {}

/**
 * @typedef {(received: number, total: number | null) => void} OnProgress
 */

/**
 * Downloads `url` into `dest` via `dest.part`, hashing on the way; the caller renames it into place
 * (commitDownload) once verified. A `.part` left by a broken-off download is resumed with a Range
 * request (its bytes are hashed first); a server that ignores the range restarts it from zero.
 * Network failures keep the `.part` for the next attempt; a size or checksum mismatch deletes it.
 * Aborts if no data arrives for `idleMs`.
 * Hugging Face answers /resolve/ of a large (LFS) file with a redirect to its CDN whose headers
 * carry X-Repo-Commit and X-Linked-Etag (the file's sha256); those are returned/checked here.
 * @param {string} url
 * @param {string} dest
 * @param {{ idleMs?: number, onProgress?: OnProgress }} [options]
 * @returns {Promise<{ sha256: string, size: number, commit: string | null, declaredSha256: string | null, resumedFrom: number }>}
 */
export async function download(url, dest, { idleMs = 60_000, onProgress = () => {} } = {}) {
  const part = `${dest}.part`;
  const have = (await stat(part).catch(() => null))?.size ?? 0;
  try {
    return await attempt(url, part, have, idleMs, onProgress);
  } catch (error) {
    if (error instanceof RangeRefused) {
      await rm(part, { force: true });
      return attempt(url, part, 0, idleMs, onProgress);
    }
    throw error;
  }
}

/** The server cannot serve the rest of our `.part` (416, or a range that does not fit): start over. */
class RangeRefused extends Error {}

/**
 * @param {string} url
 * @param {string} part
 * @param {number} have  bytes already in `part`
 * @param {number} idleMs
 * @param {OnProgress} onProgress
 */
async function attempt(url, part, have, idleMs, onProgress) {
  const controller = new AbortController();
  let idle = setTimeout(() => controller.abort(), idleMs);
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(), idleMs);
  };
  try {
    /** @type {Record<string, string>} */
    const headers = have > 0 ? { range: `bytes=${have}-` } : {};
    let res;
    let current = url;
    /** @type {string | null} */
    let commit = null;
    /** @type {string | null} */
    let declaredSha256 = null;
    for (let hops = 0; ; hops++) {
      try {
        res = await fetch(current, { signal: controller.signal, redirect: "manual", headers });
      } catch (error) {
        throw new FetchError(`could not reach ${new URL(current).host}: ${networkReason(error)}`);
      }
      commit ??= res.headers.get("x-repo-commit");
      declaredSha256 ??= sha256FromEtag(res.headers.get("x-linked-etag"));
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) break;
      if (hops >= 5) throw new FetchError(`${url}: too many redirects`);
      await res.body?.cancel();
      current = new URL(location, current).href;
    }
    if (res.status === 416) {
      await res.body?.cancel();
      throw new RangeRefused();
    }
    if (!res.ok || !res.body) throw new FetchError(`${current} answered HTTP ${res.status} ${res.statusText}`);

    const hash = createHash("sha256");
    let start = 0;
    let total = Number(res.headers.get("content-length")) || null;
    if (res.status === 206) {
      const range = res.headers.get("content-range")?.match(/^bytes (\d+)-\d+\/(\d+|\*)$/);
      if (!range || Number(range[1]) !== have) {
        await res.body.cancel();
        throw new RangeRefused();
      }
      start = have;
      total = range[2] === "*" ? null : Number(range[2]);
      for await (const chunk of createReadStream(part)) hash.update(chunk);
    }
    touch();
    let size = start;
    onProgress(size, total);
    const meter = new Transform({
      transform(chunk, _encoding, callback) {
        touch();
        hash.update(chunk);
        size += chunk.length;
        onProgress(size, total);
        callback(null, chunk);
      },
    });
    await mkdir(path.dirname(part), { recursive: true });
    try {
      await pipeline(
        Readable.fromWeb(/** @type {any} */ (res.body)),
        meter,
        createWriteStream(part, { flags: start > 0 ? "a" : "w" }),
      );
    } catch (error) {
      throw new FetchError(
        `download of ${url} broke off at ${size} bytes: ${networkReason(error)} (run again to resume)`,
      );
    }
    if (total !== null && total !== size) {
      await rm(part, { force: true });
      throw new FetchError(`${url}: got ${size} bytes, expected ${total}`);
    }
    const sha256 = hash.digest("hex");
    if (declaredSha256 && declaredSha256 !== sha256) {
      await rm(part, { force: true });
      throw new FetchError(`${url}: the server declares sha256 ${declaredSha256} but the bytes hash to ${sha256}`);
    }
    return { sha256, size, commit, declaredSha256, resumedFrom: start };
  } finally {
    clearTimeout(idle);
  }
}

/** Moves a verified download into place. @param {string} dest */
export async function commitDownload(dest) {
  await rename(`${dest}.part`, dest);
}

/** Drops an unverified download. @param {string} dest */
export async function discardDownload(dest) {
  await rm(`${dest}.part`, { force: true });
}

/** @param {string | null} etag  e.g. W/"3f1c…" @returns {string | null} a sha256 if the etag is one */
function sha256FromEtag(etag) {
  const value = etag?.replace(/^W\//, "").replaceAll('"', "").toLowerCase();
  return value && /^[0-9a-f]{64}$/.test(value) ? value : null;
}

/** @param {unknown} error */
function networkReason(error) {
  const e = /** @type {any} */ (error);
  if (e?.name === "AbortError") return "no data for too long (timed out)";
  const cause = e?.cause;
  if (cause?.code) return `${cause.code}${cause.hostname ? ` ${cause.hostname}` : ""}`;
  return cause?.message ?? e?.message ?? String(error);
}
