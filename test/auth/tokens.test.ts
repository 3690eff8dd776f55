import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { describe, expect, it, vi } from "vitest";
import { logoutRoute as logout, refreshTokensRoute as refresh } from "../../src/auth/auth.routes";
import { getMeRoute as getMe } from "../../src/auth/me.routes";
import { REFRESH_GRACE_MS } from "../../src/auth/store/sessions";
import { fixtureBytes } from "../fixtures";
import { call, newClient, signedInClient } from "../helpers/client";
import { testConfig } from "../helpers/config";
import { expectContract } from "../helpers/contract";
import { countImageRows } from "../helpers/images";

const secret = new TextEncoder().encode(env.JWT_SECRET);
const b64 = (value: object) => btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

async function meWith(token: string) {
  return call("/v1/me", { headers: { Authorization: `Bearer ${token}` } });
}

/** A token exactly like the server's, with one thing changed. */
async function forge(
  userId: string,
  sessionId: string,
  change: { alg?: string; typ?: string; iss?: string; aud?: string; exp?: number | null } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg: change.alg ?? "HS256", typ: change.typ ?? "at+jwt" })
    .setIssuer(change.iss ?? testConfig().JWT_ISSUER)
    .setAudience(change.aud ?? testConfig().JWT_AUDIENCE)
    .setSubject(userId)
    .setIssuedAt(now);
  if (change.exp !== null) jwt.setExpirationTime(change.exp ?? now + 600);
  return jwt.sign(secret);
}

async function sessionOf(accessToken: string) {
  const payload = JSON.parse(atob(accessToken.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/"))) as {
    sub: string;
    sid: string;
  };
  return { userId: payload.sub, sessionId: payload.sid };
}

describe("access token verification", () => {
  it("accepts a correctly forged control token (so the refusals below are meaningful)", async () => {
    const { tokens } = await signedInClient();
    const { userId, sessionId } = await sessionOf(tokens.accessToken);
    await expectContract(getMe, 200, await meWith(await forge(userId, sessionId)));
  });

  const refusals: [string, (userId: string, sessionId: string, accessToken: string) => Promise<string>][] = [
    [
      "alg: none",
      async (u, s) =>
        `${b64({ alg: "none", typ: "at+jwt" })}.${b64({ sub: u, sid: s, iss: testConfig().JWT_ISSUER, aud: testConfig().JWT_AUDIENCE, iat: 1, exp: 4102444800 })}.`,
    ],
    ["HS512 with the right secret", (u, s) => forge(u, s, { alg: "HS512" })],
    ["wrong issuer", (u, s) => forge(u, s, { iss: "https://evil.example" })],
    ["wrong audience", (u, s) => forge(u, s, { aud: "another-api" })],
    ["wrong typ", (u, s) => forge(u, s, { typ: "JWT" })],
    ["expired", (u, s) => forge(u, s, { exp: Math.floor(Date.now() / 1000) - 60 })],
    ["missing exp", (u, s) => forge(u, s, { exp: null })],
    [
      "tampered payload (sub changed, signature kept)",
      async (_u, _s, token) => {
        const [header, payload, signature] = token.split(".");
        const claims = JSON.parse(atob(payload!.replaceAll("-", "+").replaceAll("_", "/")));
        return `${header}.${b64({ ...claims, sub: "usr_someone_else" })}.${signature}`;
      },
    ],
    ["a refresh token used as a bearer token", async (_u, _s, token) => token],
  ];

  for (const [name, makeToken] of refusals) {
    it(`refuses ${name} with 401`, async () => {
      const { tokens } = await signedInClient();
      const { userId, sessionId } = await sessionOf(tokens.accessToken);
      const token = name.startsWith("a refresh token")
        ? tokens.refreshToken
        : await makeToken(userId, sessionId, tokens.accessToken);
      const problem = await expectContract(getMe, 401, await meWith(token));
      expect(problem.status).toBe(401);
    });
  }

  it("refuses a request without a bearer token", async () => {
    const response = await call("/v1/me");
    await expectContract(getMe, 401, response);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
  });
});

describe("refresh token rotation", () => {
  it("reusing a rotated refresh token after the grace window revokes the whole session", async () => {
    const { client, tokens } = await signedInClient();
    const next = await expectContract(
      refresh,
      200,
      await client.POST("/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } }),
    );
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + REFRESH_GRACE_MS + 1000 });
    try {
      const reuse = await expectContract(
        refresh,
        401,
        await client.POST("/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } }),
      );
      expect(reuse.detail).toMatch(/already used/);
      // The successor and every access token of the session are dead too.
      await expectContract(
        refresh,
        401,
        await client.POST("/v1/auth/refresh", { body: { refreshToken: next.refreshToken } }),
      );
      await expectContract(getMe, 401, await meWith(next.accessToken));
      await expectContract(getMe, 401, await meWith(tokens.accessToken));
    } finally {
      vi.useRealTimers();
    }
  });

  it("10 concurrent refreshes with one token: every one gets the same successor and the session survives", async () => {
    const { tokens } = await signedInClient();
    const attempts = await Promise.all(
      Array.from({ length: 10 }, () =>
        newClient().POST("/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } }),
      ),
    );
    const pairs = await Promise.all(attempts.map((attempt) => expectContract(refresh, 200, attempt)));
    expect(new Set(pairs.map((pair) => pair.refreshToken)).size).toBe(1);
    for (const pair of pairs) await expectContract(getMe, 200, await meWith(pair.accessToken));
    // The shared successor rotates normally afterwards.
    const after = await expectContract(
      refresh,
      200,
      await newClient().POST("/v1/auth/refresh", { body: { refreshToken: pairs[0]!.refreshToken } }),
    );
    await expectContract(getMe, 200, await meWith(after.accessToken));
  });

  it("within the grace window, a spent token whose successor is already spent is reuse", async () => {
    const { tokens } = await signedInClient();
    const client = newClient();
    const next = await expectContract(
      refresh,
      200,
      await client.POST("/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } }),
    );
    await expectContract(
      refresh,
      200,
      await client.POST("/v1/auth/refresh", { body: { refreshToken: next.refreshToken } }),
    );
    const reuse = await expectContract(
      refresh,
      401,
      await client.POST("/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } }),
    );
    expect(reuse.detail).toMatch(/already used/);
    await expectContract(getMe, 401, await meWith(next.accessToken));
  });

  it("an unknown refresh token is refused", async () => {
    await expectContract(
      refresh,
      401,
      await newClient().POST("/v1/auth/refresh", { body: { refreshToken: "not-a-real-token" } }),
    );
  });

  it("after logout the old access and refresh tokens fail", async () => {
    const { client, tokens } = await signedInClient();
    await expectContract(logout, 204, await client.POST("/v1/auth/logout"));
    await expectContract(getMe, 401, await meWith(tokens.accessToken));
    await expectContract(
      refresh,
      401,
      await newClient().POST("/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } }),
    );
  });

  it("after logout a read that runs alongside the session check is a 401 too, whatever the route would answer", async () => {
    const { client, tokens, user } = await signedInClient();
    const form = new FormData();
    form.append("file", new File([fixtureBytes("tiny.png"), crypto.getRandomValues(new Uint8Array(8))], "a.png"));
    const uploaded = await client.POST("/v1/images", { body: form as never });
    expect(uploaded.response.status).toBe(201);
    // The library checks the sessions of reads itself and remembers what D1 said (session-verdicts.ts): logout must
    // reach that memory too.
    const auth = { headers: { Authorization: `Bearer ${tokens.accessToken}` } };
    expect((await call("/v1/images", auth)).status).toBe(200);
    await expectContract(logout, 204, await client.POST("/v1/auth/logout"));
    const id = uploaded.data!.id;
    for (const path of [
      "/v1/images",
      `/v1/images/${id}`,
      `/v1/images/${id}/file`,
      "/v1/images/img_missing",
      "/v1/tags",
      "/v1/images?limit=0", // refused by validation before any library call: checked in D1
    ]) {
      const response = await call(path, auth);
      expect(response.status, path).toBe(401);
      expect(await response.text(), path).not.toContain(uploaded.data!.id);
    }
    // A write waits for the check before it does anything: the image is still there.
    expect((await call(`/v1/images/${uploaded.data!.id}`, { ...auth, method: "DELETE" })).status).toBe(401);
    expect(await countImageRows(user.id)).toBe(1);
  });
});
