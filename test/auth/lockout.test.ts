import { describe, expect, it } from "vitest";
import { DUMMY_SECRETS } from "../../scripts/siteverify-standin.js";
import { loginRoute as login } from "../../src/auth/auth.routes";
import { fetchWithSettings } from "../helpers/app-with";
import { randomIp, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";

/** The Worker under other settings, called from the given address. */
async function loginAs(body: object, ip: string, settings: Record<string, string>) {
  return fetchWithSettings(
    new Request("http://api.imagify.test/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", "cf-connecting-ip": ip },
      body: JSON.stringify(body),
    }),
    settings,
  );
}

async function failFromManyAddresses(email: string, count: number, settings: Record<string, string>, extra = {}) {
  for (let i = 0; i < count; i++) {
    await expectContract(login, 401, await loginAs({ email, password: `guess ${i}`, ...extra }, randomIp(), settings));
  }
}

describe("failures from many addresses cannot lock the owner out", () => {
  it("with Turnstile on: 100 failed logins from 100 addresses, then the owner signs in from a fresh one", async () => {
    const turnstile = { TURNSTILE: "on", TURNSTILE_SECRET_KEY: DUMMY_SECRETS.pass };
    const token = { turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" };
    const { email, password } = await signedInClient();
    await failFromManyAddresses(email, 100, turnstile, token);
    await expectContract(login, 200, await loginAs({ email, password, ...token }, randomIp(), turnstile));
  });

  it("with Turnstile off: past the account-wide limit only a device that signed in before gets through", async () => {
    const settings = { LOGIN_FAILURES_PER_ACCOUNT: "10" };
    const { email, password } = await signedInClient();
    const earlier = await expectContract(login, 200, await loginAs({ email, password }, randomIp(), settings));
    await failFromManyAddresses(email, 10, settings);

    // An unknown device cannot prove more than its address: held back while the attack lasts.
    await expectContract(login, 429, await loginAs({ email, password }, randomIp(), settings));
    // The owner's known device, from a fresh address, signs in and keeps its device token.
    const known = await expectContract(
      login,
      200,
      await loginAs({ email, password, deviceToken: earlier.deviceToken }, randomIp(), settings),
    );
    expect(known.deviceToken).toBe(earlier.deviceToken);
  });

  it("a device token exempts only its own account, and only if it is genuine", async () => {
    const settings = { LOGIN_FAILURES_PER_ACCOUNT: "10" };
    const victim = await signedInClient();
    const other = await signedInClient();
    const otherDevice = await expectContract(
      login,
      200,
      await loginAs({ email: other.email, password: other.password }, randomIp(), settings),
    );
    await failFromManyAddresses(victim.email, 10, settings);
    const forged = `${otherDevice.deviceToken.split(".")[0]}.${"A".repeat(43)}`;
    for (const deviceToken of [otherDevice.deviceToken, forged, "not-a-token"]) {
      await expectContract(
        login,
        429,
        await loginAs({ email: victim.email, password: victim.password, deviceToken }, randomIp(), settings),
      );
    }
  });

  it("a known device guessing wrong is limited like one address", async () => {
    const { email, password } = await signedInClient();
    const earlier = await expectContract(login, 200, await loginAs({ email, password }, randomIp(), {}));
    for (let i = 0; i < 5; i++) {
      await expectContract(
        login,
        401,
        await loginAs({ email, password: `wrong ${i}`, deviceToken: earlier.deviceToken }, randomIp(), {}),
      );
    }
    await expectContract(
      login,
      429,
      await loginAs({ email, password, deviceToken: earlier.deviceToken }, randomIp(), {}),
    );
  });
});
