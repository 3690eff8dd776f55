import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/** A download problem worth a one-line message (no stack trace). */
export class FetchError extends Error {}

/**
 * Downloads `url` into `dest` (via `dest.part`, renamed only once complete), hashing on the way.
 * Aborts if no data arrives for `idleMs`.
 * @param {string} url
 * @param {string} dest
 * @param {{ idleMs?: number }} [options]
 * Hugging Face answers /resolve/ of a large (LFS) file with a redirect to its CDN whose headers
 * carry X-Repo-Commit and X-Linked-Etag (the file's sha256); those are returned/checked here.
 * @returns {Promise<{ sha256: string, size: number, commit: string | null, declaredSha256: string | null }>}
 */
export async function download(url, dest, { idleMs = 60_000 } = {}) {
  const controller = new AbortController();
  let idle = setTimeout(() => controller.abort(), idleMs);
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(), idleMs);
  };
  const part = `${dest}.part`;
  try {
    let res;
    let current = url;
    /** @type {string | null} */
    let commit = null;
    /** @type {string | null} */
    let declaredSha256 = null;
    for (let hops = 0; ; hops++) {
      try {
        res = await fetch(current, { signal: controller.signal, redirect: "manual" });
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
    if (!res.ok || !res.body) throw new FetchError(`${current} answered HTTP ${res.status} ${res.statusText}`);
    touch();
    const hash = createHash("sha256");
    let size = 0;
    const meter = new Transform({
      transform(chunk, _encoding, callback) {
        touch();
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    await mkdir(path.dirname(dest), { recursive: true });
    try {
      await pipeline(Readable.fromWeb(/** @type {any} */ (res.body)), meter, createWriteStream(part));
    } catch (error) {
      throw new FetchError(`download of ${url} broke off: ${networkReason(error)}`);
    }
    const declared = Number(res.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > 0 && declared !== size) {
      throw new FetchError(`${url}: got ${size} bytes, expected ${declared}`);
    }
    const sha256 = hash.digest("hex");
    if (declaredSha256 && declaredSha256 !== sha256) {
      throw new FetchError(`${url}: the server declares sha256 ${declaredSha256} but the bytes hash to ${sha256}`);
    }
    return { sha256, size, commit, declaredSha256 };
  } catch (error) {
    await rm(part, { force: true });
    throw error;
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
