// What a user costs in D1 now that the library lives in its own object: `npm run bench:accounts -- --users 20000`.
//
// Applies every migration (migrations/*.sql, in order) to a fresh SQLite file with better-sqlite3, then writes, per
// user, the rows an active user leaves in D1, shaped as the stores write them (src/auth/store/*.ts,
// src/processing/store/): the user; SESSIONS logins with a browser's user agent; for each the live refresh token and
// the one it replaced (spent tokens stay until their session's end: deleteExpiredRefreshTokens), one of them with a
// sealed successor (the refresh grace period); PROCESSING index rows of processing sessions; the per-IP and per-
// account rate-limit counters of a day's sign-ins. Reports bytes per table (dbstat) and per user, and what that means
// for D1's 10 GB. Prints markdown on stdout.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { numberArg } from "./args";

// better-sqlite3@12, a devDependency (as in search.ts), typed as far as it is used here.
interface Statement {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
const Database = createRequire(import.meta.url)("better-sqlite3") as new (
  file: string,
) => { exec(sql: string): void; prepare(sql: string): Statement; transaction(fn: () => void): () => void };

const ROOT = path.resolve(import.meta.dirname, "..");
const USERS = numberArg("users", 20_000);
const SESSIONS = numberArg("sessions", 3);
const PROCESSING = numberArg("processing", 10);
const D1_BYTES = 10e9;

const b64url = (n: number) => randomBytes(n).toString("base64url");
const hex = (n: number) => randomBytes(n).toString("hex");
const id = (prefix: string) => `${prefix}_${b64url(16)}`;
const USER_AGENT =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "accounts-")), "d1.sqlite");
const db = new Database(file);
for (const name of fs.readdirSync(path.join(ROOT, "migrations")).sort()) {
  if (name.endsWith(".sql")) db.exec(fs.readFileSync(path.join(ROOT, "migrations", name), "utf8"));
}

const tableBytes = () =>
  new Map(
    (
      db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all() as {
        name: string;
        bytes: number;
      }[]
    ).map((row) => [row.name, row.bytes]),
  );
const before = tableBytes();

const now = Date.now();
const insertUser = db.prepare("INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)");
const insertSession = db.prepare(
  "INSERT INTO sessions (id, user_id, created_at, expires_at, user_agent, last_used_at) VALUES (?, ?, ?, ?, ?, ?)",
);
const insertToken = db.prepare(
  `INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at, used_at, replaced_by, successor_sealed)
   VALUES (?, ?, ?, ?, ?, ?, ?)`,
);
const insertProcessing = db.prepare(
  "INSERT INTO processing_sessions (id, user_id, status, created_at, updated_at) VALUES (?, ?, 'completed', ?, ?)",
);
const insertLimit = db.prepare("INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, ?)");

db.transaction(() => {
  for (let u = 0; u < USERS; u++) {
    const userId = id("usr");
    insertUser.run(userId, `someone.${u}@example.com`, `pbkdf2-sha256$600000$${b64url(16)}$${b64url(32)}`, now);
    for (let s = 0; s < SESSIONS; s++) {
      const sessionId = id("ses");
      insertSession.run(sessionId, userId, now, now + 30 * 86_400_000, USER_AGENT, now);
      const live = hex(32);
      insertToken.run(hex(32), sessionId, now, now + 30 * 86_400_000, now, live, s === 0 ? b64url(60) : null);
      insertToken.run(live, sessionId, now, now + 30 * 86_400_000, null, null, null);
    }
    for (let p = 0; p < PROCESSING; p++) insertProcessing.run(id("prs"), userId, now, now);
    // Counters are keyed by the account's hash and by IP; they live for one window (the cron deletes them after).
    insertLimit.run(`login-fail:acct:${hex(32)}`, now, 1);
    insertLimit.run(`auth:ip:203.0.113.${u % 250}:${u}`, now, 1);
  }
})();
db.exec("VACUUM");
const after = tableBytes();

const rows: [string, number][] = [...after].map(([name, bytes]) => [name, bytes - (before.get(name) ?? 0)]);
const perUser = rows.reduce((sum, [, bytes]) => sum + bytes, 0) / USERS;
console.log(
  `${USERS} users, each with ${SESSIONS} logins (a live and a spent refresh token each), ${PROCESSING} processing sessions, 2 rate-limit counters\n`,
);
console.log("| table or index | bytes per user |\n|---|---:|");
for (const [name, bytes] of rows.filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1])) {
  console.log(`| ${name} | ${(bytes / USERS).toFixed(0)} |`);
}
console.log(`| **all** | **${perUser.toFixed(0)}** |\n`);
console.log(
  `label_terms (shared, once): ${((before.get("label_terms") ?? 0) / 1e6).toFixed(2)} MB. ` +
    `One D1 database (10 GB) holds about ${(D1_BYTES / perUser / 1e6).toFixed(1)} million such users.`,
);
fs.rmSync(path.dirname(file), { recursive: true, force: true });
