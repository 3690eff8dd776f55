// npm run model:fetch [-- --quantized] [-- --force] [-- --background]
// Downloads the ONNX export of microsoft/resnet-50 (Hugging Face: Xenova/resnet-50) once, verifies
// sha256 checksums, and stores it where the tagger looks (TAGGER_MODEL_DIR or tagger/.model-cache/).
// Needs internet this one time; the tagger itself never goes online. A download that broke off is
// resumed by the next run.
//
// Checksums: a sha256 pinned in model-manifest.json is enforced. Otherwise the first fetch records
// what it downloaded in model.lock.json (trust on first use); later fetches must match the lock.
//
// --background (what the root `npm start` runs next to the tagger): does nothing if a model is already
// there, prints progress as occasional lines prefixed [model:fetch], gives up after 20 s without data,
// and reports a failure in one line (exit 1): the embedded model keeps tagging meanwhile.
import { stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { readConfig } from "../src/config.js";
import { findModelFiles, RECEIPT_FILE, sha256File } from "../src/model-files.js";
import { commitDownload, discardDownload, download, FetchError } from "./lib/download.js";
import { DEFAULT_LOCK_FILE, expectedChecksum, readLock, readManifest, writeLock } from "./lib/manifest.js";
import { mb, progressReporter } from "./lib/progress.js";

const args = new Set(process.argv.slice(2));
const variant = args.has("--quantized") ? "quantized" : "fp32";
const force = args.has("--force");
const background = args.has("--background");

/** Lines every run prints; in the background only the ones that matter, prefixed. */
const say = background ? (/** @type {string} */ line) => console.log(`[model:fetch] ${line}`) : console.log;
const detail = background ? () => {} : console.log;

try {
  await fetchModel();
} catch (error) {
  if (background) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(
      `[model:fetch] ResNet-50 weights not fetched (${message.split("\n")[0]}); ` +
        "the embedded CenterNet model keeps tagging. `npm --prefix tagger run model:fetch` retries and resumes.",
    );
    process.exit(1);
  }
  if (!(error instanceof FetchError)) throw error;
  console.error(`\nmodel:fetch failed: ${error.message}`);
  process.exit(1);
}

async function fetchModel() {
  const { modelDir } = readConfig();
  if (background && !force && (await findModelFiles(modelDir))) return;
  const manifest = await readManifest();
  const lockFile = process.env.TAGGER_MODEL_LOCK ? path.resolve(process.env.TAGGER_MODEL_LOCK) : DEFAULT_LOCK_FILE;
  const lock = await readLock(lockFile, manifest.repo);
  const baseUrl = (process.env.TAGGER_MODEL_BASE_URL || manifest.baseUrl).replace(/\/+$/, "");
  const revision = lock.commit ?? manifest.revision; // once locked, fetch exactly that commit
  const names = Object.entries(manifest.files)
    .filter(([, entry]) => !entry.variant || entry.variant === variant)
    .map(([name]) => name);

  detail(`Fetching ${manifest.repo}@${revision} (${manifest.model}, ${variant}) into ${modelDir}`);
  /** @type {Record<string, { sha256: string, size: number }>} */
  const fetched = {};
  let lockChanged = false;
  for (const name of names) {
    const dest = path.join(modelDir, name);
    const expected = expectedChecksum(manifest, lock, name);
    if (!force && expected && (await sha256File(dest).catch(() => null)) === expected.sha256) {
      detail(`  ${name}: already present, sha256 ok`);
      fetched[name] = { sha256: expected.sha256, size: (await stat(dest)).size };
      continue;
    }
    const url = `${baseUrl}/${manifest.repo}/resolve/${revision}/${name}`;
    const progress = progressReporter(name, { interactive: !background && Boolean(process.stdout.isTTY), say });
    let last = { received: 0, total: /** @type {number | null} */ (null) };
    const got = await download(url, dest, {
      idleMs: background ? 20_000 : 60_000,
      onProgress: (received, total) => {
        last = { received, total };
        progress.update(received, total);
      },
    })
      .catch((error) => {
        if (error instanceof FetchError && !background) {
          throw new FetchError(
            `${error.message}\n\n` +
              `This step needs internet access once (${new URL(baseUrl).host}). Run it on a connected machine, or copy\n` +
              `a fetched cache folder here and point TAGGER_MODEL_DIR at it. Until then the embedded CenterNet model tags.\n` +
              `(Node's fetch ignores HTTP(S)_PROXY; set TAGGER_MODEL_BASE_URL to a reachable mirror if needed.)`,
          );
        }
        throw error;
      })
      .finally(() => progress.end(last.received, last.total));
    if (expected && got.sha256 !== expected.sha256) {
      await discardDownload(dest);
      const where = expected.source === "manifest" ? "model-manifest.json" : path.basename(lockFile);
      throw new FetchError(
        `${name}: sha256 mismatch — got ${got.sha256}, ${where} expects ${expected.sha256}. ` +
          `The download was discarded. If the upstream files really changed, delete the entry from ${where} to re-pin.`,
      );
    }
    await commitDownload(dest);
    const resumed = got.resumedFrom > 0 ? `, resumed at ${mb(got.resumedFrom)}` : "";
    detail(`  ${name}: ${mb(got.size)}${resumed}, sha256 ${got.sha256}${expected ? " (verified)" : " (recorded)"}`);
    fetched[name] = { sha256: got.sha256, size: got.size };
    if (!expected) {
      lock.files[name] = fetched[name];
      lockChanged = true;
    }
    if (!lock.commit && got.commit) {
      lock.commit = got.commit;
      lockChanged = true;
    }
  }

  await writeFile(
    path.join(modelDir, RECEIPT_FILE),
    JSON.stringify(
      {
        model: manifest.model,
        repo: manifest.repo,
        revision,
        commit: lock.commit,
        fetchedAt: new Date().toISOString(),
        files: fetched,
      },
      null,
      2,
    ) + "\n",
  );
  if (lockChanged) {
    await writeLock(lockFile, lock);
    say(`Recorded checksums in ${lockFile} — commit it so every later fetch must match these bytes.`);
  }
  if (background) say(`ResNet-50 weights fetched and verified into ${modelDir}; the tagger switches to them.`);
  else console.log("Done. Start the tagger with `npm start` (it also picks the model up while running).");
}
