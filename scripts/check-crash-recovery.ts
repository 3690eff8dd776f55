// A live crash: `kill -9` of wrangler dev mid-way, then a restart on the same persist directory (`npm run
// check:crash-recovery`, ~35 s). With the local configuration npm start uses (the local tagger and image engine as
// sidecars on free ports; Turnstile off instead of its stand-in):
//   1. registers a user, uploads SESSION_IMAGES photos (generated with sharp) and starts a processing session that
//      converts them to AVIF;
//   2. uploads a burst of UPLOADS more (PNG and JPEG, CONCURRENCY at a time) while the session runs;
//   3. once a third of the burst has been answered and the session is part-way, SIGKILLs wrangler's process group
//      (npx, wrangler, workerd): uploads in flight get no answer;
//   4. restarts `wrangler dev` on the same persist directory and port, and sends the session nothing until its
//      converted files in the persisted bucket show it has resumed by itself (its alarm); then follows it to the end;
// and verifies: every upload answered 201 is listed and its file downloads with the SHA-256 of the bytes sent (every
// other listed image too); the session finished with every item done (its file downloads) or failed with a reason;
// the cron (`/__scheduled`, grace 1 s) sweeps what the crash left in R2 and a second run finds nothing; the uploads
// that got no answer, sent again, are stored (201) or found (200); and, read straight from the persisted bucket
// (miniflare's SQLite index of it) once wrangler has stopped, every original in R2 is a listed image's, every listed
// image has its original, every derived file has its original, and every object has its blob on disk.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import {
  type DevServer,
  freePort,
  groupGone,
  secretVars,
  startWranglerDev,
  stopGroup,
  wrangler,
} from "./lib/wrangler-dev";

// better-sqlite3 (a devDependency, untyped here, as in bench/search.ts): only to read the persisted bucket's index.
const Database = createRequire(import.meta.url)("better-sqlite3") as new (
  file: string,
  options: { readonly: boolean },
) => { prepare(sql: string): { all(): unknown[] }; close(): void };

const UPLOADS = Number(process.env.UPLOADS ?? 36);
const SESSION_IMAGES = Number(process.env.SESSION_IMAGES ?? 12);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);
const RESUME_TIMEOUT_MS = Number(process.env.RESUME_TIMEOUT_MS ?? 60_000);
const KEEP = process.env.KEEP === "1"; // keep the persist directory (its path is printed)

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const log = (line: string) => console.log(`[${elapsed().padStart(7)}] ${line}`);
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A photo-like picture (smooth random colour fields), unique bytes every time. */
async function makeImage(width: number, height: number, format: "png" | "jpeg"): Promise<Buffer> {
  const seed = randomBytes(12 * 9 * 3);
  const image = sharp(seed, { raw: { width: 12, height: 9, channels: 3 } }).resize(width, height, { kernel: "cubic" });
  return format === "png" ? image.png().toBuffer() : image.jpeg({ quality: 85 }).toBuffer();
}

function startSidecar(name: string, script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  child.once("exit", (code, signal) => {
    if (!stopping) log(`${name} exited (${code ?? signal})`);
  });
  return child;
}

async function waitForHealth(url: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/health`);
      await response.body?.cancel();
      if (response.ok) return;
    } catch {}
    await sleep(250);
  }
  throw new Error(`${url}/health did not answer within ${timeoutMs / 1000} s`);
}

/** The persisted bucket's object index (miniflare's SQLite file for it), opened read-only. */
function openBucketIndex(persistTo: string) {
  const folder = path.join(persistTo, "v3", "r2", "miniflare-R2BucketObject");
  const file = existsSync(folder)
    ? readdirSync(folder).find((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite")
    : undefined;
  return file ? new Database(path.join(folder, file), { readonly: true }) : undefined;
}

/** R2 objects under users/: key and blob. */
function bucketObjects(persistTo: string): { key: string; blob_id: string }[] {
  const db = openBucketIndex(persistTo);
  if (!db) return [];
  try {
    return db.prepare("SELECT key, blob_id FROM _mf_objects WHERE key LIKE 'users/%'").all() as {
      key: string;
      blob_id: string;
    }[];
  } finally {
    db.close();
  }
}

/** Files derived from these originals (users/<user>/<sha256>/<name>): the session's converted files. */
function sessionOutputs(persistTo: string, shas: Set<string>): number {
  return bucketObjects(persistTo).filter((object) => {
    const parts = object.key.split("/");
    return parts.length > 3 && shas.has(parts[2]!);
  }).length;
}

interface UploadOutcome {
  name: string;
  sha256: string;
  status: number | "no answer";
  id?: string;
  error?: string;
}

let stopping = false;
const dir = mkdtempSync(path.join(tmpdir(), "check-crash-"));
const persistTo = path.join(dir, "state");
const sidecars: ChildProcess[] = [];
let server: DevServer | undefined;

try {
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
  const taggerPort = await freePort();
  const enginePort = await freePort();
  sidecars.push(startSidecar("tagger", "tagger/src/server.js", { TAGGER_PORT: String(taggerPort) }));
  sidecars.push(startSidecar("image engine", "image-engine/src/server.js", { IMAGE_ENGINE_PORT: String(enginePort) }));
  const taggerUrl = `http://127.0.0.1:${taggerPort}`;
  const engineUrl = `http://127.0.0.1:${enginePort}`;
  await Promise.all([waitForHealth(taggerUrl), waitForHealth(engineUrl)]);
  const vars = {
    ...secretVars(),
    TAGGER: "local",
    LOCAL_TAGGER_URL: taggerUrl,
    IMAGE_ENGINE: "local",
    LOCAL_IMAGE_ENGINE_URL: engineUrl,
    TURNSTILE: "off",
    ORPHAN_GRACE_SECONDS: "1",
  };
  const devOptions = { persistTo, vars, args: ["--test-scheduled"] };
  server = await startWranglerDev(devOptions);
  await server.ready();
  const api = server.base;
  log(`wrangler dev on ${api} (persist ${persistTo}), tagger ${taggerUrl}, image engine ${engineUrl}`);

  const register = await fetch(`${api}/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: `crash-${Date.now()}@example.com`, password: "correct horse battery staple" }),
  });
  if (register.status !== 201) throw new Error(`register: ${register.status} ${await register.text()}`);
  const token: string = ((await register.json()) as { tokens: { accessToken: string } }).tokens.accessToken;
  const auth = { authorization: `Bearer ${token}` };

  async function upload(name: string, bytes: Buffer): Promise<UploadOutcome> {
    const outcome: UploadOutcome = { name, sha256: sha256(bytes), status: "no answer" };
    const form = new FormData();
    form.append("file", new File([bytes], name));
    try {
      const response = await fetch(`${api}/v1/images`, { method: "POST", headers: auth, body: form });
      const body = (await response.json()) as { id?: string; sha256?: string };
      outcome.status = response.status;
      if (body.id) outcome.id = body.id;
      if (response.status === 201 && body.sha256 !== outcome.sha256) outcome.error = `answered sha256 ${body.sha256}`;
    } catch (error) {
      outcome.error = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}`.trim() : String(error);
    }
    return outcome;
  }

  // 1. The session's photos, then the session (AVIF is the slowest output: the session is still running at the kill).
  const sessionUploads: UploadOutcome[] = [];
  for (let i = 0; i < SESSION_IMAGES; i++) {
    sessionUploads.push(await upload(`session-${i}.jpg`, await makeImage(1600, 1200, "jpeg")));
  }
  const sessionIds = sessionUploads.flatMap((outcome) => (outcome.status === 201 && outcome.id ? [outcome.id] : []));
  if (sessionIds.length !== SESSION_IMAGES) throw new Error(`session photos: ${JSON.stringify(sessionUploads)}`);
  const created = await fetch(`${api}/v1/processing-sessions`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ imageIds: sessionIds, output: { format: "avif", quality: 60, width: 1600 } }),
  });
  if (created.status !== 201) throw new Error(`create session: ${created.status} ${await created.text()}`);
  const sessionId = ((await created.json()) as { id: string }).id;
  const start = await fetch(`${api}/v1/processing-sessions/${sessionId}/start`, { method: "POST", headers: auth });
  if (start.status !== 200) throw new Error(`start session: ${start.status} ${await start.text()}`);
  log(`${SESSION_IMAGES} photos uploaded; session ${sessionId} started (AVIF, quality 60)`);

  type Session = {
    status: string;
    progress: { done: number; failed: number; total: number };
    items: {
      imageId: string;
      status: string;
      error: string | null;
      rendition: { url: string; bytes: number; contentType: string } | null;
    }[];
  };
  const readSession = async (): Promise<Session> => {
    const response = await fetch(`${api}/v1/processing-sessions/${sessionId}`, { headers: auth });
    if (response.status !== 200) throw new Error(`GET session: ${response.status}`);
    return (await response.json()) as Session;
  };

  // 2. The burst, generated up front so that the uploads follow each other closely.
  const burst = await Promise.all(
    Array.from({ length: UPLOADS }, async (_, i) => {
      const format = i % 2 === 0 ? "png" : "jpeg";
      return { name: `burst-${i}.${format === "png" ? "png" : "jpg"}`, bytes: await makeImage(640, 480, format) };
    }),
  );
  const outcomes: UploadOutcome[] = [];
  let killed = false;
  let next = 0;
  const uploaders = Array.from({ length: CONCURRENCY }, async () => {
    while (!killed && next < burst.length) {
      const file = burst[next++]!;
      outcomes.push(await upload(file.name, file.bytes));
    }
  });

  // 3. The kill: the session part-way and uploads answered, with a third of the burst answered or half the session
  // done, whichever comes first (a finished session, or a finished burst, fails the checks below).
  let lastSeen: Session | undefined;
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(150)) {
    lastSeen = await readSession();
    const answered = outcomes.filter((outcome) => outcome.status !== "no answer").length;
    const { done, failed, total } = lastSeen.progress;
    const partWay = done + failed >= 1 && done + failed < total;
    if (partWay && answered >= 1 && (answered >= UPLOADS / 3 || done + failed >= total / 2)) break;
    if (lastSeen.status !== "running" || next >= burst.length) break;
  }
  const pgid = server.child.pid!;
  process.kill(-pgid, "SIGKILL");
  killed = true;
  const killedAt = Date.now();
  const gone = await groupGone(pgid);
  await Promise.all(uploaders);
  const answeredBeforeKill = outcomes.filter((outcome) => outcome.status !== "no answer");
  log(
    `kill -9 of wrangler's process group ${pgid}: ${answeredBeforeKill.length} of ${outcomes.length} burst uploads answered ` +
      `(${outcomes.filter((outcome) => outcome.status === 201).length} × 201), ${outcomes.length - answeredBeforeKill.length} without an answer; ` +
      `session last seen ${lastSeen?.status} ${JSON.stringify(lastSeen?.progress)}`,
  );
  check(gone, "nothing of the process group (npx, wrangler, workerd) survived the kill");
  check(answeredBeforeKill.length < outcomes.length, "uploads were in flight at the kill");
  check(
    lastSeen?.status === "running" && lastSeen.progress.done + lastSeen.progress.failed < lastSeen.progress.total,
    "the session was part-way at the kill",
  );
  for (const outcome of outcomes.filter((o) => o.status !== 201 && o.status !== "no answer")) {
    log(`     burst upload ${outcome.name} answered ${outcome.status} ${outcome.error ?? ""}`);
  }

  // 4. The restart, on the same persist directory and port. The session is not asked anything until its converted
  // files (in the persisted bucket, read without going through the Worker) show that it has resumed by itself.
  const sessionShas = new Set(sessionUploads.map((outcome) => outcome.sha256));
  const outputsBefore = sessionOutputs(persistTo, sessionShas);
  server = await startWranglerDev({ ...devOptions, port: server.port });
  await server.ready();
  const restartedAt = Date.now();
  log(`wrangler dev restarted ${((restartedAt - killedAt) / 1000).toFixed(1)} s after the kill`);
  let outputsNow = outputsBefore;
  while (Date.now() < restartedAt + RESUME_TIMEOUT_MS && outputsNow <= outputsBefore) {
    await sleep(250);
    outputsNow = sessionOutputs(persistTo, sessionShas);
  }
  const untouched = await readSession();
  log(
    `converted files in R2: ${outputsBefore} at the kill, ${outputsNow} ${((Date.now() - restartedAt) / 1000).toFixed(1)} s ` +
      `after the restart, before any request to the session; it then reads ${untouched.status} ${JSON.stringify(untouched.progress)}`,
  );
  check(outputsNow > outputsBefore, "the session resumed by itself (its alarm), with no request to it");
  let session = untouched;
  for (
    const deadline = Date.now() + 180_000;
    Date.now() < deadline && ["running", "draft"].includes(session.status);
  ) {
    await sleep(500);
    session = await readSession();
  }
  const doneItems = session.items.filter((item) => item.status === "done");
  const failedItems = session.items.filter((item) => item.status === "failed");
  const stuck = session.items.filter((item) => item.status !== "done" && item.status !== "failed");
  log(`session ${session.status}: ${doneItems.length} done, ${failedItems.length} failed, ${stuck.length} neither`);
  for (const item of failedItems) log(`     ${item.imageId} failed: ${item.error}`);
  check(["completed", "failed"].includes(session.status), `the session finished (${session.status})`);
  check(stuck.length === 0, "no item stuck (every item done or failed)");
  check(
    failedItems.every((item) => typeof item.error === "string" && item.error.length > 0),
    "every failed item says why",
  );
  let outputsOk = 0;
  for (const item of doneItems) {
    const response = await fetch(item.rendition!.url);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (response.status === 200 && bytes.length === item.rendition!.bytes) outputsOk++;
    else
      log(
        `     output of ${item.imageId}: ${response.status}, ${bytes.length} bytes (item says ${item.rendition!.bytes})`,
      );
  }
  check(outputsOk === doneItems.length, `every done item's file downloads (${outputsOk} of ${doneItems.length})`);

  // The library after the crash.
  const listImages = async () => {
    const images: { id: string; sha256: string }[] = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const response = await fetch(`${api}/v1/images?limit=100${query}`, { headers: auth });
      const page = (await response.json()) as { items: { id: string; sha256: string }[]; nextCursor: string | null };
      images.push(...page.items);
      cursor = page.nextCursor;
    }
    return images;
  };
  let listed = await listImages();
  const listedIds = new Set(listed.map((image) => image.id));
  const answered201 = [...sessionUploads, ...outcomes].filter((outcome) => outcome.status === 201);
  const found = answered201.filter((outcome) => outcome.id && listedIds.has(outcome.id));
  const unanswered = outcomes.filter((outcome) => outcome.status === "no answer");
  const landed = unanswered.filter((outcome) => listed.some((image) => image.sha256 === outcome.sha256));
  const sentSha = new Map([...sessionUploads, ...outcomes].map((outcome) => [outcome.sha256, outcome]));
  let intact = 0;
  for (const image of listed) {
    const response = await fetch(`${api}/v1/images/${image.id}/file`, { headers: auth });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const digest = sha256(bytes);
    if (response.status === 200 && digest === image.sha256 && sentSha.has(digest)) intact++;
    else log(`     ${image.id}: ${response.status}, sha256 ${digest} (listed ${image.sha256})`);
  }
  log(
    `${listed.length} images listed: ${found.length} of ${answered201.length} answered 201 (${SESSION_IMAGES} session photos + ` +
      `${answered201.length - SESSION_IMAGES} of the burst), ${landed.length} of the ${unanswered.length} unanswered uploads`,
  );
  check(found.length === answered201.length, "every upload answered 201 is listed");
  check(
    listed.length === found.length + landed.length,
    "nothing else is listed (every listed image is one of the uploads sent)",
  );
  check(
    intact === listed.length,
    `every listed image's file downloads with the SHA-256 of the bytes sent (${intact} of ${listed.length})`,
  );

  // The cron sweeps what the crash left (objects written before their row), once past the grace period.
  const sweeps: string[] = [];
  for (let run = 0; run < 2; run++) {
    const from = server.output().length;
    const trigger = await fetch(`${api}/__scheduled?cron=17+*+*+*+*`);
    await trigger.body?.cancel();
    const match = await server.waitForOutput(/maintenance \{[^}]*\}/, 15_000, from);
    sweeps.push(match[0].replace(/\s+/g, " "));
  }
  log(`cron after the restart: ${sweeps.join(", then ")}`);
  check(/deleted: 0\b/.test(sweeps[1] ?? ""), "a second sweep finds no orphan");

  // A client retries what got no answer: the same bytes are stored now (201), or were already (200).
  const retried: UploadOutcome[] = [];
  for (const outcome of unanswered) {
    retried.push(await upload(outcome.name, burst.find((file) => file.name === outcome.name)!.bytes));
  }
  listed = await listImages();
  const retriedOk = retried.filter(
    (outcome) => (outcome.status === 201 || outcome.status === 200) && listed.some((image) => image.id === outcome.id),
  );
  log(
    `retried the ${retried.length} unanswered uploads: ${retried.map((outcome) => outcome.status).join(", ") || "none"}`,
  );
  check(retriedOk.length === retried.length, "every retried upload is stored (201) or found (200), and listed");

  await server.stop();
  server = undefined;

  // The persisted bucket itself (miniflare's SQLite index of R2 objects and its blob files), wrangler stopped.
  const r2 = path.join(persistTo, "v3", "r2");
  const objects = bucketObjects(persistTo);
  const listedSha = new Set(listed.map((image) => image.sha256));
  const originals = objects.filter((object) => object.key.split("/").length === 3);
  const derived = objects.filter((object) => object.key.split("/").length > 3);
  const originalKeys = new Set(originals.map((object) => object.key));
  const orphanOriginals = originals.filter((object) => !listedSha.has(object.key.split("/")[2]!));
  const orphanDerived = derived.filter((object) => !originalKeys.has(object.key.split("/").slice(0, 3).join("/")));
  const missingBlobs = objects.filter(
    (object) => !existsSync(path.join(r2, "imagifyai-images", "blobs", object.blob_id)),
  );
  const withoutObject = listed.filter(
    (image) => !originals.some((object) => object.key.split("/")[2] === image.sha256),
  );
  log(
    `persisted bucket: ${originals.length} originals, ${derived.length} derived files; ${orphanOriginals.length} originals ` +
      `and ${orphanDerived.length} derived files without their image; ${withoutObject.length} images without their original; ` +
      `${missingBlobs.length} objects without their blob`,
  );
  check(
    orphanOriginals.length === 0 && orphanDerived.length === 0 && withoutObject.length === 0,
    "no R2 object without its image, no image without its object (after the sweep)",
  );
  check(missingBlobs.length === 0, "every R2 object's blob is on disk");
} catch (error) {
  failures.push(String(error));
  console.error(error);
} finally {
  stopping = true;
  await server?.stop();
  await Promise.all(sidecars.map((child) => (child.pid === undefined ? undefined : stopGroup(child.pid))));
}

if (KEEP) log(`persist directory kept: ${persistTo}`);
else rmSync(dir, { recursive: true, force: true });
log(failures.length === 0 ? "crash recovery check passed" : `${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
