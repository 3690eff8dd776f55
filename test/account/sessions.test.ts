import { describe, expect, it } from "vitest";
import { loginRoute as login } from "../../src/auth/auth.routes";
import {
  endLoginSessionRoute as endSession,
  getMeRoute as getMe,
  listLoginSessionsRoute as listSessions,
} from "../../src/auth/me.routes";
import { call, STRONG_PASSWORD, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bearer } from "../helpers/images";

const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

async function loginWith(email: string, userAgent: string) {
  return expectContract(
    login,
    200,
    await call("/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": userAgent },
      body: JSON.stringify({ email, password: STRONG_PASSWORD }),
    }),
  );
}

describe("GET and DELETE /v1/me/sessions", () => {
  it("lists every working login with its device, the current one marked", async () => {
    const { email } = await signedInClient();
    const laptop = await loginWith(email, FIREFOX_WINDOWS);
    const phone = await loginWith(email, SAFARI_IPHONE);
    const { items } = await expectContract(
      listSessions,
      200,
      await call("/v1/me/sessions", { headers: bearer(phone.tokens.accessToken) }),
    );
    expect(items).toHaveLength(3);
    expect(items.filter((session) => session.current).map((session) => session.device)).toEqual(["Safari on iPhone"]);
    expect(items.map((session) => session.device)).toContain("Firefox on Windows");
    for (const session of items)
      expect(Date.parse(session.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(session.createdAt));
    expect(laptop.tokens.accessToken).not.toBe(phone.tokens.accessToken);
  });

  it("ending another login kills its tokens; ending the current one signs out", async () => {
    const { email } = await signedInClient();
    const laptop = await loginWith(email, FIREFOX_WINDOWS);
    const phone = await loginWith(email, SAFARI_IPHONE);
    const { items } = await expectContract(
      listSessions,
      200,
      await call("/v1/me/sessions", { headers: bearer(phone.tokens.accessToken) }),
    );
    const laptopSession = items.find((session) => session.device === "Firefox on Windows")!;
    await expectContract(
      endSession,
      204,
      await call(`/v1/me/sessions/${laptopSession.id}`, {
        method: "DELETE",
        headers: bearer(phone.tokens.accessToken),
      }),
    );
    await expectContract(getMe, 401, await call("/v1/me", { headers: bearer(laptop.tokens.accessToken) }));
    await expectContract(getMe, 200, await call("/v1/me", { headers: bearer(phone.tokens.accessToken) }));
    // Already ended: 404.
    await expectContract(
      endSession,
      404,
      await call(`/v1/me/sessions/${laptopSession.id}`, {
        method: "DELETE",
        headers: bearer(phone.tokens.accessToken),
      }),
    );
    const current = items.find((session) => session.current)!;
    await expectContract(
      endSession,
      204,
      await call(`/v1/me/sessions/${current.id}`, { method: "DELETE", headers: bearer(phone.tokens.accessToken) }),
    );
    await expectContract(getMe, 401, await call("/v1/me", { headers: bearer(phone.tokens.accessToken) }));
  });

  it("another user's session is a 404 and stays alive", async () => {
    const a = await signedInClient();
    const b = await signedInClient();
    const { items } = await expectContract(
      listSessions,
      200,
      await call("/v1/me/sessions", { headers: bearer(b.tokens.accessToken) }),
    );
    await expectContract(
      endSession,
      404,
      await call(`/v1/me/sessions/${items[0]!.id}`, { method: "DELETE", headers: bearer(a.tokens.accessToken) }),
    );
    await expectContract(getMe, 200, await call("/v1/me", { headers: bearer(b.tokens.accessToken) }));
  });
});
