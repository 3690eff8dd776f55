import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  loginRoute as login,
  logoutRoute as logout,
  refreshTokensRoute as refresh,
  registerRoute as register,
} from "../../src/auth/auth.routes";
import { getMeRoute as getMe } from "../../src/auth/me.routes";
import { call, newClient, STRONG_PASSWORD, signedInClient, uniqueEmail } from "../helpers/client";
import { expectContract } from "../helpers/contract";

describe("auth flows through the generated SDK", () => {
  it("register → me → login → refresh → logout, and the old tokens then fail", async () => {
    const client = newClient();
    const email = uniqueEmail();
    const registered = await expectContract(
      register,
      201,
      await client.POST("/v1/auth/register", { body: { email, password: STRONG_PASSWORD } }),
    );
    expect(registered.user.email).toBe(email);
    client.tokens.set(registered.tokens);

    const me = await expectContract(getMe, 200, await client.GET("/v1/me"));
    expect(me).toEqual(registered.user);

    const loggedIn = await expectContract(
      login,
      200,
      await client.POST("/v1/auth/login", { body: { email, password: STRONG_PASSWORD } }),
    );
    expect(loggedIn.user.id).toBe(registered.user.id);
    client.tokens.set(loggedIn.tokens);

    const rotated = await expectContract(
      refresh,
      200,
      await client.POST("/v1/auth/refresh", { body: { refreshToken: loggedIn.tokens.refreshToken } }),
    );
    expect(rotated.refreshToken).not.toBe(loggedIn.tokens.refreshToken);
    client.tokens.set(rotated);
    await expectContract(getMe, 200, await client.GET("/v1/me"));

    await expectContract(logout, 204, await client.POST("/v1/auth/logout"));
    const afterLogout = await call("/v1/me", { headers: { Authorization: `Bearer ${rotated.accessToken}` } });
    await expectContract(getMe, 401, afterLogout);
    await expectContract(
      refresh,
      401,
      await client.POST("/v1/auth/refresh", { body: { refreshToken: rotated.refreshToken } }),
    );
    // The first session (from register) is unaffected by logging out of the second.
    const first = await call("/v1/me", { headers: { Authorization: `Bearer ${registered.tokens.accessToken}` } });
    await expectContract(getMe, 200, first);
  });

  it("normalises emails: trimmed, lower-cased, unique case-insensitively", async () => {
    const email = uniqueEmail();
    const client = newClient();
    const created = await expectContract(
      register,
      201,
      await client.POST("/v1/auth/register", {
        body: { email: `  ${email.toUpperCase()} `, password: STRONG_PASSWORD },
      }),
    );
    expect(created.user.email).toBe(email);
    await expectContract(
      register,
      409,
      await client.POST("/v1/auth/register", { body: { email, password: STRONG_PASSWORD } }),
    );
    await expectContract(
      login,
      200,
      await client.POST("/v1/auth/login", { body: { email: email.toUpperCase(), password: STRONG_PASSWORD } }),
    );
  });

  it("the SDK refreshes once and retries when the access token is no longer accepted", async () => {
    const { client, tokens } = await signedInClient();
    client.tokens.set({ ...tokens, accessToken: "expired.or.garbage" });
    const me = await expectContract(getMe, 200, await client.GET("/v1/me"));
    expect(me.email).toContain("@example.com");
    expect(client.tokens.get()?.refreshToken).not.toBe(tokens.refreshToken);
  });

  it("stores refresh tokens only as hashes", async () => {
    const { tokens } = await signedInClient();
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM refresh_tokens WHERE token_hash = ?1")
      .bind(tokens.refreshToken)
      .first<{ n: number }>();
    expect(row?.n).toBe(0);
  });
});
