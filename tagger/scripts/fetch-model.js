// npm run model:fetch [-- --quantized] [-- --force]
// Downloads the ONNX export of microsoft/resnet-50 (Hugging Face: Xenova/resnet-50) once, verifies
// sha256 checksums, and stores it where the tagger looks (TAGGER_MODEL_DIR or tagger/.model-cache/).
// Needs internet this one time; the tagger itself never goes online.
//
// Checksums: a sha256 pinned in model-manifest.json is enforced. Otherwise the first fetch records
// what it downloaded in model.lock.json (trust on first use); later fetches must match the lock.
import { stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { readConfig } from "../src/config.js";
import { RECEIPT_FILE, sha256File } from "../src/model-files.js";
import { commitDownload, discardDownload, download, FetchError } from "./lib/download.js";
import { DEFAULT_LOCK_FILE, expectedChecksum, readLock, readManifest, writeLock } from "./lib/manifest.js";

const args = new Set(process.argv.slice(2));
const variant = args.has("--quantized") ? "quantized" : "fp32";
const force = args.has("--force");

try {
  await fetchModel();
} catch (error) {
  if (!(error instanceof FetchError)) throw error;
  console.error(`\nmodel:fetch failed: ${error.message}`);
  process.exit(1);
}

async function fetchModel() {
  const { modelDir } = readConfig();
  const manifest = await readManifest();
  const lockFile = process.env.TAGGER_MODEL_LOCK ? path.resolve(process.env.TAGGER_MODEL_LOCK) : DEFAULT_LOCK_FILE;
  const lock = await readLock(lockFile, manifest.repo);
  const baseUrl = (process.env.TAGGER_MODEL_BASE_URL || manifest.baseUrl).replace(/\/+$/, "");
  const revision = lock.commit ?? manifest.revision; // once locked, fetch exactly that commit
  const names = Object.entries(manifest.files)
    .filter(([, entry]) => !entry.variant || entry.variant === variant)
    .map(([name]) => name);

  console.log(`Fetching ${manifest.repo}@${revision} (${manifest.model}, ${variant}) into ${modelDir}`);
  /** @type {Record<string, { sha256: string, size: number }>} */
  const fetched = {};
  let lockChanged = false;
  for (const name of names) {
    const dest = path.join(modelDir, name);
    const expected = expectedChecksum(manifest, lock, name);
    if (!force && expected && (await sha256File(dest).catch(() => null)) === expected.sha256) {
      console.log(`  ${name}: already present, sha256 ok`);
      fetched[name] = { sha256: expected.sha256, size: (await stat(dest)).size };
      continue;
    }
    const url = `${baseUrl}/${manifest.repo}/resolve/${revision}/${name}`;
    const got = await download(url, dest).catch((error) => {
      if (error instanceof FetchError) {
        throw new FetchError(
          `${error.message}\n\n` +
            `This step needs internet access once (${new URL(baseUrl).host}). Run it on a connected machine, or copy\n` +
            `a fetched cache folder here and point TAGGER_MODEL_DIR at it. Until then the tagger answers 503 "no model".\n` +
            `(Node's fetch ignores HTTP(S)_PROXY; set TAGGER_MODEL_BASE_URL to a reachable mirror if needed.)`,
        );
      }
      throw error;
    });
    if (expected && got.sha256 !== expected.sha256) {
      await discardDownload(dest);
      const where = expected.source === "manifest" ? "model-manifest.json" : path.basename(lockFile);
      throw new FetchError(
        `${name}: sha256 mismatch — got ${got.sha256}, ${where} expects ${expected.sha256}. ` +
          `The download was discarded. If the upstream files really changed, delete the entry from ${where} to re-pin.`,
      );
    }
    await commitDownload(dest);
    console.log(
      `  ${name}: ${(got.size / 1e6).toFixed(1)} MB, sha256 ${got.sha256}${expected ? " (verified)" : " (recorded)"}`,
    );
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
    console.log(`Recorded checksums in ${lockFile} — commit it so every later fetch must match these bytes.`);
  }
  console.log("Done. Start the tagger with `npm start` (it also picks the model up while running).");
}
