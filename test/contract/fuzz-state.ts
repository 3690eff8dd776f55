// The world the fuzzer's requests refer to: users with live, revoked and forged tokens, uploaded images with their
// signed urls, a deleted image, cursors the API handed out. Generated requests hold `Ref`s into this state, which
// are resolved when the request is sent, so shrinking and state changes (a fuzzed DELETE, a logout) stay coherent.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { SignJWT } from "jose";
import worker from "../../src/index";
import { type FixtureName, fixtureBytes } from "../fixtures";
import { deref, type Operation, operations } from "./spec";
import { checkResponse, type ReceivedResponse } from "./validate-response";

export const BASE_URL = "http://api.imagify.test";
export const PASSWORD = "correct horse battery staple";

/** A value taken from the state when the request is sent (printed by fast-check as `<label>`). */
export class Ref {
  constructor(
    readonly label: string,
    readonly pick: (state: FuzzState) => unknown | Promise<unknown>,
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

// ---------------------------------------------------------------------------------------------------------------
// Requests and counts

export interface Received extends ReceivedResponse {
  headers: Headers;
}

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
export async function send(label: string, request: Request): Promise<Received> {
  let response: Response;
  const ctx = createExecutionContext();
  try {
    response = await worker.fetch(request, env, ctx);
  } catch (error) {
    count(label, "threw");
    throw new Error(`the Worker threw instead of answering: ${error instanceof Error ? error.stack : String(error)}`);
  }
  const body = new Uint8Array(await response.arrayBuffer());
  await waitOnExecutionContext(ctx);
  count(label, String(response.status));
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    headers: response.headers,
    body,
  };
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

/** A setup request, checked against the contract and for the status the setup needs. */
async function setupCall(
  opId: string,
  path: string,
  init: RequestInit,
  expected: number[],
): Promise<Received & { json: unknown }> {
  const headers = new Headers(init.headers);
  headers.set("cf-connecting-ip", randomIp());
  const received = await send("(setup)", new Request(new URL(path, BASE_URL), { ...init, headers }));
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
  cursors: string[] = [];
  /** Last path segments of the problem `type` URLs the API answered with. */
  problemSlugs = new Set<string>();
  /** Rate-limit bucket shared by some auth requests of this run, so 429 is reached too. */
  readonly hotIp = randomIp();
  /** Tokens forged once for the main sessions. */
  forged = new Map<string, string>();
  signatureFormatMatches = false;
  private uploads = 0;

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

  /** Uploads a fixture (made unique by random trailing bytes) as the session's user. */
  async upload(
    session: Session,
    name: FixtureName,
    tagger?: { output?: { label: string; score: number }[]; error?: string },
  ) {
    const base = fixtureBytes(name);
    const bytes = new Uint8Array(base.length + 16);
    bytes.set(base);
    bytes.set(crypto.getRandomValues(new Uint8Array(16)), base.length);
    if (tagger) {
      const sha = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) =>
        b.toString(16).padStart(2, "0"),
      ).join("");
      await env.AI_STUB.program(sha, tagger);
    }
    const form = new FormData();
    form.append("file", new File([bytes], `setup-${++this.uploads}-${name}`, { type: "application/octet-stream" }));
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

  /** Keeps A's and B's libraries stocked when fuzzed DELETEs succeed. */
  async replenish(): Promise<void> {
    if (this.aliveImages(this.a.userId).length < 3) await this.upload(this.a, "tiny-progressive.jpg");
    if (this.aliveImages(this.b.userId).length < 2) await this.upload(this.b, "wide.gif");
  }
}

export type SignatureKind = "none" | "matching" | "tampered" | "other-image" | "expired" | "foreign-uid";
