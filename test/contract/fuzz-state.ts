// The world the fuzzer's requests refer to: users with live, revoked and forged tokens, uploaded images with their
// signed urls, a deleted image, cursors the API handed out, and processing sessions (each user's, in every state,
// made through the API from real photos). Generated requests hold `Ref`s into this state, which are resolved when
// the request is sent, so shrinking and state changes (a fuzzed DELETE, a logout, a session finishing) stay coherent.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { SignJWT } from "jose";
import worker from "../../src/index";
import { type FixtureName, fixtureBytes } from "../fixtures";
import { photoBytes } from "../helpers/images";
import { deref, type Operation, operations } from "./spec";
import { checkResponse, type ReceivedResponse } from "./validate-response";

export const BASE_URL = "http://api.imagify.test";
export const PASSWORD = "correct horse battery staple";

/** What a `Ref` outside the path may depend on: the request's path `id`, resolved. */
export interface RefScope {
  pathId?: string | undefined;
}

/** A value taken from the state when the request is sent (printed by fast-check as `<label>`). */
export class Ref {
  constructor(
    readonly label: string,
    readonly pick: (state: FuzzState, scope: RefScope) => unknown | Promise<unknown>,
  ) {}
  [fc.toStringMethod](): string {
    return `<${this.label}>`;
  }
}

export interface Session {
  userId: string;
  email: string;
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  alive: boolean;
  /** For the deprecated /api/* operations (their own token, from /api/login): the main users only. */
  legacyToken?: string;
}

export interface KnownImage {
  id: string;
  ownerId: string;
  url: string;
  sha256: string;
  deleted: boolean;
}

export type ProcessingStatus = "draft" | "running" | "paused" | "completed" | "failed" | "cancelled";

/** A processing session the fuzz made (or a setup step made), as the API last showed it. */
export interface KnownProcessingSession {
  id: string;
  ownerId: string;
  status: ProcessingStatus;
  version: number;
  /** Its items' image ids, in order (only a draft's PATCH changes them). */
  imageIds: string[];
  /** Items done when last seen: a done item is never redone, so this never goes down. */
  done: number;
  deleted: boolean;
}

/** The statuses a session cannot leave by itself (only `running` moves on in the background). */
export const STABLE_STATUSES: ReadonlySet<ProcessingStatus> = new Set([
  "draft",
  "paused",
  "completed",
  "failed",
  "cancelled",
]);
export const FINISHED_STATUSES: ReadonlySet<ProcessingStatus> = new Set(["completed", "failed", "cancelled"]);

/** The body of a ProcessingSession response, as far as the state needs it. */
export interface SessionBody {
  id: string;
  status: ProcessingStatus;
  version: number;
  items: { imageId: string; status: string; rendition: unknown }[];
  progress: { done: number; failed: number; total: number };
  output: Record<string, unknown>;
}

export function isSessionBody(value: unknown): value is SessionBody {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === "string" &&
    typeof v.status === "string" &&
    typeof v.version === "number" &&
    Array.isArray(v.items) &&
    typeof v.progress === "object" &&
    v.progress !== null
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Requests and counts

export interface Received extends ReceivedResponse {
  headers: Headers;
  /**
   * For a `text/event-stream` body, which is read only up to its first event (or `SSE_FIRST_EVENT_MS`) and then
   * cancelled: whether the server ended it within that read and the `linger` the caller asked for.
   */
  streamEnded?: boolean;
}

/** How long an event stream may take for its first event before the read gives up (and cancels it). */
export const SSE_FIRST_EVENT_MS = 3_000;

/** Requests sent, per operation and status (setup and bookkeeping requests under "(setup)"). */
export const stats = new Map<string, Map<string, number>>();

function count(label: string, status: string) {
  let byStatus = stats.get(label);
  if (!byStatus) {
    byStatus = new Map();
    stats.set(label, byStatus);
  }
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
}

/**
 * Sends a request to the Worker's fetch handler (wrangler.toml's `main`, in this workerd isolate, with the test
 * env and a fresh execution context) and reads the whole response.
 *
 * Not `exports.default.fetch` from cloudflare:workers, as the other tests do: in @cloudflare/vitest-pool-workers
 * 0.15.1 every call through that entrypoint wraps the wrapper class's prototype in one more Proxy
 * (`createProxyPrototypeClass`, cloudflare/workers-sdk#15092, fixed by #15106), so each request is slower than the
 * last and after ~1,800 requests every call throws "RangeError: Maximum call stack size exceeded".
 */
export async function send(label: string, request: Request, options: { linger?: number } = {}): Promise<Received> {
  let response: Response;
  const ctx = createExecutionContext();
  try {
    response = await worker.fetch(request, env, ctx);
  } catch (error) {
    count(label, "threw");
    throw new Error(`the Worker threw instead of answering: ${error instanceof Error ? error.stack : String(error)}`);
  }
  // An event stream may never end (a session still running, or a bug): read a bounded part of it, then cancel.
  const streamed = (response.headers.get("content-type") ?? "").toLowerCase().startsWith("text/event-stream");
  let body: Uint8Array;
  let streamEnded: boolean | undefined;
  if (streamed && response.body) {
    ({ body, ended: streamEnded } = await readEventStream(response.body, options.linger ?? 0));
  } else {
    body = new Uint8Array(await response.arrayBuffer());
  }
  await waitOnExecutionContext(ctx);
  count(label, String(response.status));
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    headers: response.headers,
    body,
    ...(streamEnded === undefined ? {} : { streamEnded }),
  };
}

/**
 * Reads an event stream up to its first complete event (at most SSE_FIRST_EVENT_MS), then for `linger` ms more
 * to see whether it ends, and cancels it unless it ended.
 */
async function readEventStream(
  stream: ReadableStream<Uint8Array>,
  linger: number,
): Promise<{ body: Uint8Array; ended: boolean }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let text = "";
  const decoder = new TextDecoder();
  const timeout = Symbol("timeout");
  const readWithin = async (ms: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<typeof timeout>((resolve) => {
      timer = setTimeout(() => resolve(timeout), ms);
    });
    try {
      return await Promise.race([reader.read(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
  let ended = false;
  let deadline = Date.now() + SSE_FIRST_EVENT_MS;
  let lingering = false;
  for (;;) {
    const left = deadline - Date.now();
    const result = left > 0 ? await readWithin(left) : timeout;
    if (result === timeout) break;
    if (result.done) {
      ended = true;
      break;
    }
    chunks.push(result.value);
    text += decoder.decode(result.value, { stream: true });
    if (!lingering && text.includes("\n\n")) {
      // The first event is in: stop now, or watch a little longer for the end of the stream.
      if (linger <= 0) break;
      lingering = true;
      deadline = Date.now() + linger;
    }
  }
  if (!ended) await reader.cancel().catch(() => {});
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return { body, ended };
}

export function randomIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(4));
  return `10.${b[0]}.${b[1]}.${b[2]! ^ b[3]!}`;
}

const byId = new Map(operations().map((op) => [op.id, op]));

/**
 * Cloudflare's documented dummy Turnstile token (what its test site keys hand out; its test secrets accept it).
 * Sent when the operation's body declares `turnstileToken`, so setup keeps working behind the bot check.
 */
export const TURNSTILE_DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX";

/** Email and password, plus a Turnstile token when the operation's JSON body declares one. */
function credentialsBody(opId: string, email: string, password: string): Record<string, string> {
  const schema = byId.get(opId)?.requestBody?.content["application/json"]?.schema;
  const properties = schema ? (deref(schema).properties ?? {}) : {};
  return { email, password, ...("turnstileToken" in properties ? { turnstileToken: TURNSTILE_DUMMY_TOKEN } : {}) };
}

/**
 * A setup request, checked against the contract and for the status the setup needs. `label` is how it is counted:
 * "(setup)" before the run, "(state)" when the run seeks a state (a running session to pause), "(check)" when an
 * invariant reads something back.
 */
export async function setupCall(
  opId: string,
  path: string,
  init: RequestInit,
  expected: number[],
  label = "(setup)",
): Promise<Received & { json: unknown }> {
  const headers = new Headers(init.headers);
  headers.set("cf-connecting-ip", randomIp());
  const received = await send(label, new Request(new URL(path, BASE_URL), { ...init, headers }));
  const op = byId.get(opId) as Operation | undefined;
  const check = op ? checkResponse(op, received) : { violations: [], json: undefined };
  if (!expected.includes(received.status) || check.violations.length > 0) {
    throw new Error(
      `setup ${init.method ?? "GET"} ${path} answered ${received.status} (expected ${expected.join("/")}): ` +
        `${check.violations.join("; ")} ${new TextDecoder().decode(received.body.slice(0, 400))}`,
    );
  }
  return { ...received, json: check.json };
}

// ---------------------------------------------------------------------------------------------------------------
// Tokens and signatures forged with the test secrets (vitest.shared.ts)

function b64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

interface AccessClaims {
  sub: string;
  sid: string;
  iss: string;
  aud: string | string[];
}

function jwtPayload(token: string): AccessClaims {
  const part = token.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/");
  return JSON.parse(atob(part)) as AccessClaims;
}

interface ForgeChange {
  secret?: string;
  alg?: string;
  typ?: string;
  aud?: string;
  iss?: string;
  sub?: string;
  exp?: number;
}

/** An access token like the server's for `session` (issuer and audience copied from it), with one thing changed. */
async function forgeToken(session: Session, change: ForgeChange = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const real = jwtPayload(session.accessToken);
  const claims = {
    sid: session.sessionId,
    sub: change.sub ?? session.userId,
    iss: change.iss ?? real.iss,
    aud: change.aud ?? real.aud,
    iat: now - 30,
    exp: change.exp ?? now + 600,
  };
  if (change.alg === "none") {
    const header = b64url(new TextEncoder().encode(JSON.stringify({ alg: "none", typ: "at+jwt" })));
    return `${header}.${b64url(new TextEncoder().encode(JSON.stringify(claims)))}.`;
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: change.typ ?? "at+jwt" })
    .sign(new TextEncoder().encode(change.secret ?? env.JWT_SECRET));
}

/**
 * A file signature in the server's format (`image-file\n<id>\n<uid>\n<exp>`, HMAC-SHA256, base64url). Setup checks
 * that it reproduces a real `url`; if the format changes, forged links only lose their meaning (they get 403).
 */
async function forgeFileSignature(imageId: string, uid: string, exp: number): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(env.URL_SIGNING_SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`image-file\n${imageId}\n${uid}\n${exp}`));
  return b64url(new Uint8Array(mac));
}

export function signedParams(url: string): { path: string; uid: string; exp: string; sig: string } {
  const parsed = new URL(url, BASE_URL);
  return {
    path: parsed.pathname,
    uid: parsed.searchParams.get("uid") ?? "",
    exp: parsed.searchParams.get("exp") ?? "",
    sig: parsed.searchParams.get("sig") ?? "",
  };
}

// ---------------------------------------------------------------------------------------------------------------

/** Operations that end the session whose token they are sent with (a logout, deleting the account). */
export const SESSION_ENDING_OPERATIONS = new Set(["logout", "deleteAccount"]);

/**
 * Operations whose "valid" token is a throwaway session of a throwaway account, never a main one: those above, and
 * those that end a main session's siblings or could end the session itself (a password change, ending a session).
 */
export const THROWAWAY_SESSION_OPERATIONS = new Set([...SESSION_ENDING_OPERATIONS, "changePassword", "endSession"]);

export class FuzzState {
  /** Main sessions: never logged out, their refresh tokens never presented. A owns the images under test. */
  a!: Session;
  b!: Session;
  /** Access tokens of sessions that were logged out or revoked for refresh-token reuse. */
  revokedTokens: string[] = [];
  /** Throwaway sessions (fuzzed logins, registrations, refreshes feed it; logout and refresh consume it). */
  pool: Session[] = [];
  /** Refresh tokens already exchanged, with their session (presenting one again revokes that session). */
  usedRefreshTokens = new Map<string, Session>();
  /** Email and password of accounts the fuzzer registered. */
  credentials: { email: string; password: string }[] = [];
  images = new Map<string, KnownImage>();
  /** Processing sessions by id: made in setup, by fuzzed creates, and when a request needs one in some state. */
  processing = new Map<string, KnownProcessingSession>();
  /** Image ids of the real photos uploaded for A and B (what the sessions made on demand convert). */
  photos = new Map<string, string[]>();
  cursors: string[] = [];
  /** Last path segments of the problem `type` URLs the API answered with. */
  problemSlugs = new Set<string>();
  /** Rate-limit bucket shared by some auth requests of this run, so 429 is reached too. */
  readonly hotIp = randomIp();
  /** Tokens forged once for the main sessions. */
  forged = new Map<string, string>();
  signatureFormatMatches = false;
  private uploads = 0;
  /** Makes the outputs of the sessions made on demand differ, so their items are really converted (not reused). */
  private conversions = 0;

  session(token: string): Session | undefined {
    for (const s of [this.a, this.b, ...this.pool]) if (s.accessToken === token) return s;
    return undefined;
  }

  aliveImages(ownerId: string): KnownImage[] {
    return [...this.images.values()].filter((image) => image.ownerId === ownerId && !image.deleted);
  }

  deletedImages(): KnownImage[] {
    return [...this.images.values()].filter((image) => image.deleted);
  }

  /** A live throwaway session; registers a fresh account (one password hash) when the pool is empty. */
  async takePoolSession(): Promise<Session> {
    const alive = this.pool.filter((s) => s.alive);
    if (alive.length > 0) return alive[alive.length - 1]!;
    const session = await this.register();
    this.pool.push(session);
    return session;
  }

  async register(email = `fuzz-${crypto.randomUUID()}@example.com`): Promise<Session> {
    const { json } = await setupCall(
      "register",
      "/v1/auth/register",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(credentialsBody("register", email, PASSWORD)),
      },
      [201],
    );
    const result = json as {
      user: { id: string; email: string };
      tokens: { accessToken: string; refreshToken: string };
    };
    this.credentials.push({ email, password: PASSWORD });
    return this.sessionFrom(result.user, result.tokens);
  }

  sessionFrom(user: { id: string; email: string }, tokens: { accessToken: string; refreshToken: string }): Session {
    return {
      userId: user.id,
      email: user.email,
      sessionId: jwtPayload(tokens.accessToken).sid,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      alive: true,
    };
  }

  /** Uploads a fixture (made unique by random trailing bytes), or the given bytes, as the session's user. */
  async upload(
    session: Session,
    name: FixtureName | { bytes: Uint8Array; name: string },
    tagger?: { output?: { label: string; score: number }[]; error?: string },
  ) {
    let bytes: Uint8Array;
    if (typeof name === "string") {
      const base = fixtureBytes(name);
      bytes = new Uint8Array(base.length + 16);
      bytes.set(base);
      bytes.set(crypto.getRandomValues(new Uint8Array(16)), base.length);
    } else {
      bytes = name.bytes;
    }
    if (tagger) {
      const sha = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) =>
        b.toString(16).padStart(2, "0"),
      ).join("");
      await env.AI_STUB.program(sha, tagger);
    }
    const form = new FormData();
    const filename = `setup-${++this.uploads}-${typeof name === "string" ? name : name.name}`;
    form.append("file", new File([bytes], filename, { type: "application/octet-stream" }));
    const { json } = await setupCall(
      "uploadImage",
      "/v1/images",
      { method: "POST", headers: { authorization: `Bearer ${session.accessToken}` }, body: form },
      [201],
    );
    return this.remember(json, session.userId)!;
  }

  /** Records an Image body (from any response) as belonging to `ownerId`. */
  remember(value: unknown, ownerId: string): KnownImage | undefined {
    if (typeof value !== "object" || value === null) return undefined;
    const image = value as { id?: unknown; url?: unknown; sha256?: unknown };
    if (typeof image.id !== "string" || typeof image.url !== "string" || typeof image.sha256 !== "string") {
      return undefined;
    }
    const known = { id: image.id, ownerId, url: image.url, sha256: image.sha256, deleted: false };
    this.images.set(image.id, known);
    return known;
  }

  async setup(): Promise<void> {
    this.a = await this.register();
    this.b = await this.register();
    for (const session of [this.a, this.b]) {
      const { json } = await setupCall(
        "legacyLogin",
        "/api/login",
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: session.email, password: PASSWORD }),
        },
        [200],
      );
      session.legacyToken = (json as { token: string }).token;
    }
    // Login targets: A and the accounts the fuzzer registers (not B, whose account stays clear of failed logins).
    this.credentials = [{ email: this.a.email, password: PASSWORD }];

    // A revoked token of A's: a second session, logged out.
    const { json } = await setupCall(
      "login",
      "/v1/auth/login",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(credentialsBody("login", this.a.email, PASSWORD)),
      },
      [200],
    );
    const second = json as {
      user: { id: string; email: string };
      tokens: { accessToken: string; refreshToken: string };
    };
    await setupCall(
      "logout",
      "/v1/auth/logout",
      { method: "POST", headers: { authorization: `Bearer ${second.tokens.accessToken}` } },
      [204],
    );
    this.revokedTokens.push(second.tokens.accessToken);

    // Images: tagged, tagged with programmed labels, failed tagging; one deleted; two of B's.
    await this.upload(this.a, "tiny.png");
    await this.upload(this.a, "tiny.jpg", {
      output: [
        { label: "GOLDEN RETRIEVER", score: 0.82 },
        { label: "TENNIS BALL", score: 0.31 },
      ],
    });
    await this.upload(this.a, "tiny.gif", { error: "model unavailable" });
    await this.upload(this.a, "wide-lossy.webp", {
      output: [
        { label: "SPORTS CAR", score: 0.55 },
        { label: "CONVERTIBLE", score: 0.2 },
      ],
    });
    const doomed = await this.upload(this.a, "tiny-lossless.webp");
    await setupCall(
      "deleteImage",
      `/v1/images/${doomed.id}`,
      { method: "DELETE", headers: { authorization: `Bearer ${this.a.accessToken}` } },
      [204],
    );
    doomed.deleted = true;
    await this.upload(this.b, "tiny-lossy.webp");
    await this.upload(this.b, "tiny.png", { output: [{ label: "TABBY", score: 0.9 }] });

    // Real photos (640×480 PNGs made by the Images binding, as the processing tests make them), which sessions can
    // convert; then sessions of B's to be refused to A: a draft and one that runs to completion in the background.
    for (const [session, count] of [
      [this.a, 3],
      [this.b, 2],
    ] as const) {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        ids.push((await this.upload(session, { bytes: await photoBytes(), name: "photo.png" })).id);
      }
      this.photos.set(session.userId, ids);
    }
    await this.createProcessingSession(this.b, "(setup)");
    const running = await this.createProcessingSession(this.b, "(setup)");
    await this.processingAction(this.b, running.id, "start", "(setup)");
    await this.createProcessingSession(this.a, "(setup)");

    // A throwaway session for logout and refresh.
    this.pool.push(await this.register());

    const now = Math.floor(Date.now() / 1000);
    this.forged.set("expired", await forgeToken(this.a, { exp: now - 60 }));
    this.forged.set("bad-signature", await forgeToken(this.a, { secret: "not-the-secret-0123456789abcdef0123456789" }));
    this.forged.set("alg-none", await forgeToken(this.a, { alg: "none" }));
    this.forged.set("wrong-audience", await forgeToken(this.a, { aud: "someone-else" }));
    this.forged.set("wrong-typ", await forgeToken(this.a, { typ: "JWT" }));
    this.forged.set("session-of-other-user", await forgeToken(this.a, { sub: this.b.userId }));

    const sample = this.aliveImages(this.a.userId)[0]!;
    const { uid, exp, sig } = signedParams(sample.url);
    this.signatureFormatMatches = (await forgeFileSignature(sample.id, uid, Number(exp))) === sig;
    if (!this.signatureFormatMatches) {
      console.warn(
        "contract fuzz: forged file signatures no longer match the server's; expired/foreign links only test 403",
      );
    }
  }

  /** The signed-url query for `imageId` under `kind` (see SignatureKind). */
  async signature(
    kind: SignatureKind,
    imageId: string,
  ): Promise<{ uid: string; exp: string; sig: string } | undefined> {
    const known = this.images.get(imageId);
    const now = Math.floor(Date.now() / 1000);
    switch (kind) {
      case "none":
        return undefined;
      case "matching":
      case "tampered": {
        const { uid, exp, sig } = known
          ? signedParams(known.url)
          : {
              uid: this.a.userId,
              exp: String(now + 3600),
              sig: await forgeFileSignature(imageId, this.a.userId, now + 3600),
            };
        if (kind === "matching") return { uid, exp, sig };
        // The first character: the last one of a 43-character base64url MAC carries 2 padding bits, so changing it
        // can leave the decoded bytes as they were.
        return { uid, exp, sig: (sig[0] === "A" ? "B" : "A") + sig.slice(1) };
      }
      case "other-image": {
        const other = [...this.images.values()].find((image) => image.id !== imageId);
        if (!other) return undefined;
        const { uid, exp, sig } = signedParams(other.url);
        return { uid, exp, sig };
      }
      case "expired": {
        const exp = now - 900;
        return {
          uid: known?.ownerId ?? this.a.userId,
          exp: String(exp),
          sig: await forgeFileSignature(imageId, known?.ownerId ?? this.a.userId, exp),
        };
      }
      case "foreign-uid": {
        const uid = known?.ownerId === this.b.userId ? this.a.userId : this.b.userId;
        return { uid, exp: String(now + 3600), sig: await forgeFileSignature(imageId, uid, now + 3600) };
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Processing sessions

  /** Records a ProcessingSession body (from any response) as `ownerId`'s, keeping the newest version seen. */
  rememberProcessing(value: unknown, ownerId: string): KnownProcessingSession | undefined {
    if (!isSessionBody(value)) return undefined;
    const known = this.processing.get(value.id);
    const imageIds = value.items.map((item) => item.imageId);
    if (!known) {
      const created: KnownProcessingSession = {
        id: value.id,
        ownerId,
        status: value.status,
        version: value.version,
        imageIds,
        done: value.progress.done,
        deleted: false,
      };
      this.processing.set(value.id, created);
      return created;
    }
    if (value.version >= known.version) {
      known.status = value.status;
      known.version = value.version;
      known.imageIds = imageIds;
    }
    known.done = Math.max(known.done, value.progress.done);
    return known;
  }

  processingOf(
    ownerId: string,
    statuses?: ReadonlySet<ProcessingStatus> | ProcessingStatus[],
  ): KnownProcessingSession[] {
    const wanted = statuses === undefined ? undefined : new Set(statuses);
    return [...this.processing.values()].filter(
      (s) => s.ownerId === ownerId && !s.deleted && (wanted === undefined || wanted.has(s.status)),
    );
  }

  deletedProcessing(): KnownProcessingSession[] {
    return [...this.processing.values()].filter((s) => s.deleted);
  }

  /** A draft of `session`'s user converting up to three of their images (photos first) to a small WebP. */
  async createProcessingSession(session: Session, label: string): Promise<KnownProcessingSession> {
    const photos = (this.photos.get(session.userId) ?? []).filter((id) => !this.images.get(id)?.deleted);
    const others = this.aliveImages(session.userId)
      .map((image) => image.id)
      .filter((id) => !photos.includes(id));
    const imageIds = [...photos, ...others].slice(0, 3);
    // A width not asked for before: each item is converted for real (a rendition made once is reused).
    const output = { format: "webp", width: 48 + (this.conversions++ % 400) };
    const { json } = await setupCall(
      "createProcessingSession",
      "/v1/processing-sessions",
      {
        method: "POST",
        headers: { authorization: `Bearer ${session.accessToken}`, "content-type": "application/json" },
        body: JSON.stringify({ imageIds, output }),
      },
      [201],
      label,
    );
    return this.rememberProcessing(json, session.userId)!;
  }

  /** A lifecycle action or a read done for the state (not fuzzed); refusals the state machine allows are fine. */
  async processingAction(
    session: Session,
    id: string,
    action: "start" | "pause" | "resume" | "cancel" | "get",
    label: string,
  ): Promise<number> {
    const get = action === "get";
    const { status, json } = await setupCall(
      get ? "getProcessingSession" : `${action}ProcessingSession`,
      `/v1/processing-sessions/${id}${get ? "" : `/${action}`}`,
      { method: get ? "GET" : "POST", headers: { authorization: `Bearer ${session.accessToken}` } },
      get ? [200] : [200, 409],
      label,
    );
    if (status === 200) this.rememberProcessing(json, session.userId);
    return status;
  }

  /** Reads A's sessions that may have moved on by themselves (running ones), so their status is current. */
  private async refreshRunning(): Promise<void> {
    for (const known of this.processingOf(this.a.userId, ["running"])) {
      await this.processingAction(this.a, known.id, "get", "(state)");
    }
  }

  /**
   * The id of one of A's sessions in a state the operation can act on, made through the API when A has none: a
   * draft to start or edit, a running session to pause, a paused one to resume, a finished one with converted files
   * for the archive. `i` picks among several.
   */
  async ownProcessingSession(want: "draft" | "running" | "paused" | "unfinished" | "converted" | "any", i: number) {
    const a = this.a;
    const pick = (list: KnownProcessingSession[]) => pickAt(list, i)?.id;
    switch (want) {
      case "draft":
        return pick(this.processingOf(a.userId, ["draft"])) ?? (await this.createProcessingSession(a, "(state)")).id;
      case "unfinished":
        return (
          pick(this.processingOf(a.userId, ["draft", "running", "paused"])) ??
          (await this.createProcessingSession(a, "(state)")).id
        );
      case "any":
        return pick(this.processingOf(a.userId)) ?? (await this.createProcessingSession(a, "(state)")).id;
      case "running": {
        await this.refreshRunning();
        const running = pick(this.processingOf(a.userId, ["running"]));
        if (running) return running;
        const made = await this.createProcessingSession(a, "(state)");
        await this.processingAction(a, made.id, "start", "(state)");
        return made.id;
      }
      case "paused": {
        const paused = pick(this.processingOf(a.userId, ["paused"]));
        if (paused) return paused;
        await this.refreshRunning();
        const made = await this.createProcessingSession(a, "(state)");
        // A start can be refused at MAX_RUNNING_SESSIONS, and a pause comes too late when the session already finished.
        if ((await this.processingAction(a, made.id, "start", "(state)")) === 200)
          await this.processingAction(a, made.id, "pause", "(state)");
        return made.id;
      }
      case "converted": {
        const converted = pick(this.processingOf(a.userId, FINISHED_STATUSES).filter((s) => s.done > 0));
        if (converted) return converted;
        const made = await this.createProcessingSession(a, "(state)");
        if ((await this.processingAction(a, made.id, "start", "(state)")) === 200) {
          const deadline = Date.now() + 10_000;
          while (!FINISHED_STATUSES.has(made.status) && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 25));
            await this.processingAction(a, made.id, "get", "(state)");
          }
        }
        return made.id;
      }
    }
  }

  /** Ends the run's unfinished sessions, so none keeps converting in the background after the suite. */
  async cancelUnfinishedProcessing(): Promise<void> {
    for (const known of this.processing.values()) {
      if (known.deleted || FINISHED_STATUSES.has(known.status) || known.status === "draft") continue;
      const owner = [this.a, this.b, ...this.pool].find((s) => s.userId === known.ownerId && s.alive);
      if (owner) await this.processingAction(owner, known.id, "cancel", "(state)").catch(() => {});
    }
  }

  /** Keeps A's and B's libraries stocked when fuzzed DELETEs succeed. */
  async replenish(): Promise<void> {
    if (this.aliveImages(this.a.userId).length < 3) await this.upload(this.a, "tiny-progressive.jpg");
    if (this.aliveImages(this.b.userId).length < 2) await this.upload(this.b, "wide.gif");
  }
}

const pickAt = <T>(list: T[], i: number): T | undefined => (list.length === 0 ? undefined : list[i % list.length]);

export type SignatureKind = "none" | "matching" | "tampered" | "other-image" | "expired" | "foreign-uid";
