import { describe, expect, it } from "vitest";
import { loginRoute as login } from "../../src/auth/auth.routes";
import { newClient, randomIp, signedInClient, uniqueEmail } from "../helpers/client";
import { expectContract } from "../helpers/contract";

// Defaults from src/lib/config.ts (the test environment does not override them).
const FAILURES_PER_ACCOUNT_IP = 5;
const ATTEMPTS_PER_IP = 30;

describe("login rate limits", () => {
  it("answers 429 with Retry-After after repeated failures, while another IP still signs in", async () => {
    const { email, password } = await signedInClient();
    const attacker = newClient(randomIp());
    for (let i = 0; i < FAILURES_PER_ACCOUNT_IP; i++) {
      await expectContract(
        login,
        401,
        await attacker.POST("/v1/auth/login", { body: { email, password: `wrong guess ${i}` } }),
      );
    }
    const blocked = await attacker.POST("/v1/auth/login", { body: { email, password } });
    const problem = await expectContract(login, 429, blocked);
    expect(problem.detail).toMatch(/Try again in \d+ seconds/);
    expect(Number(blocked.response.headers.get("retry-after"))).toBeGreaterThan(0);

    // The account's owner, elsewhere, is not locked out.
    await expectContract(login, 200, await newClient(randomIp()).POST("/v1/auth/login", { body: { email, password } }));
  });

  it("limits attempts per IP across accounts", async () => {
    const ip = randomIp();
    const client = newClient(ip);
    for (let i = 0; i < ATTEMPTS_PER_IP; i++) {
      await expectContract(
        login,
        401,
        await client.POST("/v1/auth/login", { body: { email: uniqueEmail(), password: "some password" } }),
      );
    }
    await expectContract(
      login,
      429,
      await client.POST("/v1/auth/login", { body: { email: uniqueEmail(), password: "some password" } }),
    );
    await expectContract(
      login,
      401,
      await newClient(randomIp()).POST("/v1/auth/login", { body: { email: uniqueEmail(), password: "some password" } }),
    );
  });

  it("wrong guesses sent in parallel never exceed the limit; right passwords are not counted", async () => {
    const { email, password } = await signedInClient();
    const attacker = newClient(randomIp());
    const guesses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        attacker.POST("/v1/auth/login", { body: { email, password: `parallel guess ${i}` } }),
      ),
    );
    const statuses = guesses.map((guess) => guess.response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(FAILURES_PER_ACCOUNT_IP);
    expect(statuses.filter((status) => status === 429)).toHaveLength(12 - FAILURES_PER_ACCOUNT_IP);
    // A right password is not counted as a failure: the owner can sign in repeatedly from one address.
    const owner = newClient(randomIp());
    for (let i = 0; i < FAILURES_PER_ACCOUNT_IP + 2; i++) {
      await expectContract(login, 200, await owner.POST("/v1/auth/login", { body: { email, password } }));
    }
  });
});
