// The cron, through the Worker's real scheduled() under `wrangler dev --local` with the shipped wrangler.toml
// ([assets] included), triggered the way docs/testing.md says (`npm run check:scheduled`, ~20 s):
//   1. plants an orphan in a fresh local bucket: an object under users/ whose image no library has;
//   2. starts `wrangler dev --local --test-scheduled --var ORPHAN_GRACE_SECONDS:1` on a free port;
//   3. the static assets are still served (public/scalar/standalone.js, byte for byte);
//   4. `/cdn-cgi/handler/scheduled` still answers 500 without reaching scheduled() (wrangler 4.86 sends it to the
//      assets proxy, which has no scheduled handler): if a wrangler upgrade makes it work, this check says so, and
//      docs/testing.md, scripts/start.ts and the wrangler.toml comment can point at it again;
//   5. GET /__scheduled?cron=… answers "Ran scheduled event", the Worker logs `maintenance { …, deleted: 1, … }`,
//      and the orphan is gone from the persisted bucket.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type DevServer, runWrangler, secretVars, startWranglerDev, wrangler } from "./lib/wrangler-dev";

const started = Date.now();
const dir = mkdtempSync(path.join(tmpdir(), "check-scheduled-"));
const persistTo = path.join(dir, "state");
const bucket = "imagifyai-images";
const orphanKey = `users/usr_cron_check/${"ab".repeat(32)}`;
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

let server: DevServer | undefined;
try {
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
  writeFileSync(path.join(dir, "orphan"), "an object without its image");
  wrangler([
    "r2",
    "object",
    "put",
    `${bucket}/${orphanKey}`,
    "--local",
    "--persist-to",
    persistTo,
    "--file",
    path.join(dir, "orphan"),
  ]);

  server = await startWranglerDev({
    persistTo,
    vars: { ...secretVars(), ORPHAN_GRACE_SECONDS: "1" },
    args: ["--test-scheduled"],
  });
  await server.ready();
  await new Promise((resolve) => setTimeout(resolve, 1100)); // the orphan is past its one-second grace period

  const asset = await fetch(`${server.base}/scalar/standalone.js`);
  const shipped = readFileSync("public/scalar/standalone.js");
  const served = Buffer.from(await asset.arrayBuffer());
  check(
    asset.status === 200 && served.equals(shipped),
    `GET /scalar/standalone.js → ${asset.status}, ${served.length} bytes (public/ has ${shipped.length})`,
  );

  const beforeCdnCgi = server.output().length;
  const cdnCgi = await fetch(`${server.base}/cdn-cgi/handler/scheduled?cron=17+*+*+*+*`);
  const cdnCgiBody = await cdnCgi.text();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const reached = /maintenance \{/.test(server.output().slice(beforeCdnCgi));
  check(
    cdnCgi.status === 500 && !reached,
    `GET /cdn-cgi/handler/scheduled → ${cdnCgi.status} ${JSON.stringify(cdnCgiBody.slice(0, 40))}, scheduled() ${reached ? "reached" : "not reached"} (as documented for wrangler 4.86 with [assets])`,
  );
  if (cdnCgi.status === 200) {
    console.log(
      "     wrangler now dispatches /cdn-cgi/handler/scheduled with [assets]: update docs/testing.md, scripts/start.ts and wrangler.toml",
    );
  }

  const beforeTrigger = server.output().length;
  const triggered = await fetch(`${server.base}/__scheduled?cron=17+*+*+*+*`);
  const triggeredBody = await triggered.text();
  check(
    triggered.status === 200 && triggeredBody === "Ran scheduled event",
    `GET /__scheduled → ${triggered.status} ${JSON.stringify(triggeredBody)}`,
  );
  const logged = await server
    .waitForOutput(/maintenance \{[^}]*\}/, 15_000, beforeTrigger)
    .then((match) => match[0].replace(/\s+/g, " "))
    .catch(() => "");
  check(/deleted: 1\b/.test(logged), `the Worker's scheduled() logged: ${logged || "nothing"}`);
} catch (error) {
  failures.push(String(error));
  console.error(error);
} finally {
  await server?.stop();
}

if (failures.length === 0) {
  // After wrangler dev has stopped, so nothing else holds the bucket: the object is really gone.
  const get = runWrangler([
    "r2",
    "object",
    "get",
    `${bucket}/${orphanKey}`,
    "--local",
    "--persist-to",
    persistTo,
    "--pipe",
  ]);
  const gone = get.status !== 0 && /not exist|not found/i.test(get.output);
  check(gone, `the orphan is ${gone ? "gone from" : "still in (or unreadable from)"} the persisted bucket`);
}
rmSync(dir, { recursive: true, force: true });
console.log(
  `${failures.length === 0 ? "scheduled check passed" : `${failures.length} failed`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
process.exit(failures.length === 0 ? 0 : 1);
