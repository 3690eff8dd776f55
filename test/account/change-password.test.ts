import { describe, expect, it } from "vitest";
import { loginRoute as login, refreshTokensRoute as refresh } from "../../src/auth/auth.routes";
import { changePasswordRoute as changePassword, getMeRoute as getMe } from "../../src/auth/me.routes";
import { call, newClient, STRONG_PASSWORD, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bearer } from "../helpers/images";

const NEW_PASSWORD = "a different horse, battery and staple";

describe("POST /v1/me/password", () => {
  it("changes the password and ends every other session; this one goes on", async () => {
    const { client, email, tokens } = await signedInClient();
    const elsewhere = await expectContract(
      login,
      200,
      await newClient().POST("/v1/auth/login", { body: { email, password: STRONG_PASSWORD } }),
    );
    await expectContract(
      changePassword,
      204,
      await client.POST("/v1/me/password", { body: { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD } }),
    );
    // The other login: access and refresh tokens are dead.
    await expectContract(getMe, 401, await call("/v1/me", { headers: bearer(elsewhere.tokens.accessToken) }));
    await expectContract(
      refresh,
      401,
      await newClient().POST("/v1/auth/refresh", { body: { refreshToken: elsewhere.tokens.refreshToken } }),
    );
    // This one still works, and so does its refresh token.
    await expectContract(getMe, 200, await call("/v1/me", { headers: bearer(tokens.accessToken) }));
    await expectContract(
      refresh,
      200,
      await newClient().POST("/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } }),
    );
    // Only the new password signs in.
    await expectContract(
      login,
      401,
      await newClient().POST("/v1/auth/login", { body: { email, password: STRONG_PASSWORD } }),
    );
    await expectContract(
      login,
      200,
      await newClient().POST("/v1/auth/login", { body: { email, password: NEW_PASSWORD } }),
    );
  });

  it("a wrong current password is 403 and changes nothing; a weak new one is 400", async () => {
    const { client, email } = await signedInClient();
    const wrong = await expectContract(
      changePassword,
      403,
      await client.POST("/v1/me/password", { body: { currentPassword: "not it at all", newPassword: NEW_PASSWORD } }),
    );
    expect(wrong.detail).toMatch(/current password/);
    const weak = await expectContract(
      changePassword,
      400,
      await client.POST("/v1/me/password", { body: { currentPassword: STRONG_PASSWORD, newPassword: "short" } }),
    );
    expect(weak.errors?.[0]?.path).toBe("body.newPassword");
    await expectContract(
      login,
      200,
      await newClient().POST("/v1/auth/login", { body: { email, password: STRONG_PASSWORD } }),
    );
  });

  it("wrong current passwords are limited like failed logins", async () => {
    const { client } = await signedInClient();
    for (let i = 0; i < 5; i++) {
      await expectContract(
        changePassword,
        403,
        await client.POST("/v1/me/password", { body: { currentPassword: `guess ${i}`, newPassword: NEW_PASSWORD } }),
      );
    }
    await expectContract(
      changePassword,
      429,
      await client.POST("/v1/me/password", { body: { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD } }),
    );
  });
});
