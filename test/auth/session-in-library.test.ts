// Reads of the library have their session checked by the library object itself, which remembers what D1 said
// (src/images/library/session-verdicts.ts, requireAuthInLibrary). These tests hold the two halves of that bargain: the
// memory really answers (D1 is not asked again), and every way a session ends reaches it.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SessionVerdicts, VERDICT_MS } from "../../src/images/library/session-verdicts";
import { call, newClient, STRONG_PASSWORD, signedInClient } from "../helpers/client";
import { bearer } from "../helpers/images";
import { signal } from "../helpers/signal";

describe("SessionVerdicts", () => {
  const clock = (start: number) => {
    let now = start;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it("asks D1 once, then answers from memory until VERDICT_MS or the session's end, whichever is first", async () => {
    const time = clock(1_000_000);
    const asked: string[] = [];
    const ends: Record<string, number> = { long: time.now() + 10 * VERDICT_MS, short: time.now() + VERDICT_MS / 2 };
    const verdicts = new SessionVerdicts(async (sessionId) => {
      asked.push(sessionId);
      return ends[sessionId] ?? null;
    }, time.now);
    expect(await verdicts.isActive("long", "u")).toBe(true);
    expect(await verdicts.isActive("short", "u")).toBe(true);
    expect(await verdicts.isActive("long", "u")).toBe(true);
    expect(await verdicts.isActive("short", "u")).toBe(true);
    expect(asked).toEqual(["long", "short"]);
    time.advance(VERDICT_MS / 2); // the short session's end: asked again (and D1 still says active, as mocked)
    expect(await verdicts.isActive("short", "u")).toBe(true);
    expect(await verdicts.isActive("long", "u")).toBe(true);
    expect(asked).toEqual(["long", "short", "short"]);
    time.advance(VERDICT_MS / 2);
    expect(await verdicts.isActive("long", "u")).toBe(true);
    expect(asked).toEqual(["long", "short", "short", "long"]);
  });

  it("does not remember an ended session, and forget() makes every session be asked again", async () => {
    const active = new Set(["a", "b"]);
    let asks = 0;
    const verdicts = new SessionVerdicts(async (sessionId) => {
      asks++;
      return active.has(sessionId) ? Date.now() + 3_600_000 : null;
    });
    expect(await verdicts.isActive("gone", "u")).toBe(false);
    expect(await verdicts.isActive("gone", "u")).toBe(false);
    expect(asks).toBe(2);
    expect(await verdicts.isActive("a", "u")).toBe(true);
    expect(await verdicts.isActive("b", "u")).toBe(true);
    active.delete("a");
    verdicts.forget();
    expect(await verdicts.isActive("a", "u")).toBe(false);
    expect(await verdicts.isActive("b", "u")).toBe(true);
    expect(asks).toBe(6);
  });

  it("an answer from D1 that was on its way when a session ended is used once, never remembered", async () => {
    const answered = signal();
    let active = true;
    let asks = 0;
    const verdicts = new SessionVerdicts(async () => {
      asks++;
      const end = active ? Date.now() + 3_600_000 : null;
      if (asks === 1) await answered.fired; // the first answer was read before the logout, and arrives after it
      return end;
    });
    const first = verdicts.isActive("s", "u");
    await Promise.resolve();
    active = false; // the logout: D1 first, then the library is told
    verdicts.forget();
    answered.fire();
    expect(await first).toBe(true); // the read that was already running when the session ended
    expect(await verdicts.isActive("s", "u")).toBe(false); // nothing stale was remembered
    expect(asks).toBe(2);
  });
});

describe("a read of the library checks the session in the library", () => {
  it("answers from the library's memory: a session revoked in D1 behind the library's back still reads the library (for at most VERDICT_MS), while D1-checked routes refuse it", async () => {
    const { tokens, user } = await signedInClient();
    const auth = { headers: bearer(tokens.accessToken) };
    expect((await call("/v1/images", auth)).status).toBe(200);
    // Not through the API (which tells the library): this is what a lost message to the library would leave.
    await env.DB.prepare("UPDATE sessions SET revoked_at = ?2, revoke_reason = 'logout' WHERE user_id = ?1")
      .bind(user.id, Date.now())
      .run();
    expect((await call("/v1/me", auth)).status).toBe(401);
    expect((await call("/v1/images", auth)).status).toBe(200);
    expect((await call("/v1/tags", auth)).status).toBe(200);
  });

  it("every way a session ends reaches a library that remembered it", async () => {
    // Each case: a session that has read the library (so the library remembers it), then the way it ends.
    const cases: Record<string, (s: Awaited<ReturnType<typeof signedInClient>>) => Promise<string>> = {
      "ended from another login": async ({ email }) => {
        const other = await login(email);
        const id = await currentSessionId(other);
        const ended = await call(`/v1/me/sessions/${id}`, {
          method: "DELETE",
          headers: bearer((await login(email)).accessToken),
        });
        expect(ended.status).toBe(204);
        return other.accessToken;
      },
      "a password change elsewhere": async ({ email }) => {
        const other = await login(email);
        await readLibrary(other.accessToken);
        const changed = await call("/v1/me/password", {
          method: "POST",
          headers: { ...bearer((await login(email)).accessToken), "Content-Type": "application/json" },
          body: JSON.stringify({ currentPassword: STRONG_PASSWORD, newPassword: `${STRONG_PASSWORD} again` }),
        });
        expect(changed.status).toBe(204);
        return other.accessToken;
      },
      "refresh-token reuse": async ({ tokens }) => {
        const refresh = (refreshToken: string) => newClient().POST("/v1/auth/refresh", { body: { refreshToken } });
        const first = await refresh(tokens.refreshToken);
        expect(first.response.status).toBe(200);
        expect((await refresh(first.data!.refreshToken)).response.status).toBe(200);
        // The first token again, its successor spent: reuse, which revokes the session.
        expect((await refresh(tokens.refreshToken)).response.status).toBe(401);
        return tokens.accessToken;
      },
    };
    for (const [name, end] of Object.entries(cases)) {
      const signedIn = await signedInClient();
      await readLibrary(signedIn.tokens.accessToken);
      const token = await end(signedIn);
      for (const path of ["/v1/images", "/v1/images/search?q=dog", "/v1/tags", "/v1/presets"]) {
        expect((await call(path, { headers: bearer(token) })).status, `${name}: ${path}`).toBe(401);
      }
    }
  });

  it("after the account is deleted, its old token reads nothing and leaves nothing in the library object", async () => {
    const { tokens, user } = await signedInClient();
    await readLibrary(tokens.accessToken);
    const deleted = await call("/v1/me", {
      method: "DELETE",
      headers: { ...bearer(tokens.accessToken), "Content-Type": "application/json" },
      body: JSON.stringify({ password: STRONG_PASSWORD }),
    });
    expect(deleted.status).toBe(204);
    for (const path of ["/v1/images", "/v1/images/search?q=dog", "/v1/tags"]) {
      expect((await call(path, { headers: bearer(tokens.accessToken) })).status, path).toBe(401);
    }
    const tables = await runInDurableObject(env.LIBRARY.getByName(user.id), (_instance, state) =>
      state.storage.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'")
        .toArray(),
    );
    expect(tables).toEqual([]);
  });
});

async function login(email: string): Promise<{ accessToken: string; refreshToken: string }> {
  const { data, response } = await newClient().POST("/v1/auth/login", { body: { email, password: STRONG_PASSWORD } });
  expect(response.status).toBe(200);
  return data!.tokens;
}

async function currentSessionId(tokens: { accessToken: string }): Promise<string> {
  await readLibrary(tokens.accessToken);
  const response = await call("/v1/me/sessions", { headers: bearer(tokens.accessToken) });
  const { items } = (await response.json()) as { items: { id: string; current: boolean }[] };
  return items.find((session) => session.current)!.id;
}

async function readLibrary(accessToken: string): Promise<void> {
  expect((await call("/v1/images", { headers: bearer(accessToken) })).status).toBe(200);
}
