import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loginRoute as login, registerRoute as register } from "../../src/auth/auth.routes";
import { hashPassword, PBKDF2_ITERATIONS } from "../../src/auth/password";
import { updatePasswordHash } from "../../src/auth/store/users";
import { newClient, STRONG_PASSWORD, signedInClient, uniqueEmail } from "../helpers/client";
import { expectContract } from "../helpers/contract";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("password hashing", () => {
  it("stays within Cloudflare's production PBKDF2 cap of 100,000 iterations", () => {
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000);
    expect(PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(100_000);
  });

  it("stores a self-describing hash with a 16-byte salt, never the password", async () => {
    const { user, password } = await signedInClient();
    const row = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?1")
      .bind(user.id)
      .first<{ password_hash: string }>();
    const [scheme, iterations, salt, hash] = row!.password_hash.split("$");
    expect(scheme).toBe("pbkdf2-sha256");
    expect(Number(iterations)).toBe(PBKDF2_ITERATIONS);
    expect(salt).toHaveLength(22); // 16 bytes, base64url
    expect(hash).toHaveLength(43); // 32 bytes
    expect(row!.password_hash).not.toContain(password);
  });

  it("rehashes with the current parameters on a successful login", async () => {
    const { user, email, password } = await signedInClient();
    const weak = await hashPassword(password, env.PASSWORD_PEPPER, 1_000);
    await updatePasswordHash(env.DB, user.id, weak);
    await expectContract(login, 200, await newClient().POST("/v1/auth/login", { body: { email, password } }));
    const row = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?1")
      .bind(user.id)
      .first<{ password_hash: string }>();
    expect(row!.password_hash).toMatch(new RegExp(`^pbkdf2-sha256\\$${PBKDF2_ITERATIONS}\\$`));
  });
});

describe("password policy", () => {
  const table: [string, string, 201 | 400][] = [
    ["7 characters", "abcdefg", 400],
    ["8 characters", "tulip-42", 201],
    ["a top common password", "password123", 400],
    ["a common password in other case", "PassWord123", 400],
    ["a 64-character passphrase", "the quick brown fox jumps over the lazy dog while it rains heavily", 201],
    ["a Unicode passphrase", "пароль-ñandú-東京タワー-🦊🦊🦊", 201],
    ["8 emoji (counted as characters, not bytes or UTF-16 units)", "🦊🐢🦉🐙🦄🐝🐞🦋", 201],
    ["7 emoji", "🦊🐢🦉🐙🦄🐝🐞".slice(0, 14), 400],
    ["no composition rules: all lower-case letters", "lowercaseonlyletters", 201],
  ];
  for (const [name, password, status] of table) {
    it(`${name} → ${status}`, async () => {
      const result = await newClient().POST("/v1/auth/register", { body: { email: uniqueEmail(), password } });
      const body = await expectContract(register, status, result);
      if (status === 400) expect(JSON.stringify(body)).toContain("body.password");
    });
  }

  it("never truncates a long passphrase", async () => {
    const passphrase = "a very long passphrase that keeps going ".repeat(8); // 320 characters
    const email = uniqueEmail();
    await expectContract(
      register,
      201,
      await newClient().POST("/v1/auth/register", { body: { email, password: passphrase } }),
    );
    await expectContract(
      login,
      401,
      await newClient().POST("/v1/auth/login", { body: { email, password: passphrase.slice(0, -1) } }),
    );
    await expectContract(
      login,
      401,
      await newClient().POST("/v1/auth/login", { body: { email, password: passphrase.slice(0, 72) } }),
    );
    await expectContract(
      login,
      200,
      await newClient().POST("/v1/auth/login", { body: { email, password: passphrase } }),
    );
  });
});

describe("login does not reveal which accounts exist", () => {
  it("answers an unknown email and a wrong password identically, after the same hashing work", async () => {
    const { email } = await signedInClient();
    const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");

    const wrongPassword = await newClient().POST("/v1/auth/login", {
      body: { email, password: "not the right password" },
    });
    const workForWrongPassword = deriveBits.mock.calls.map(
      ([params]) => (params as { iterations?: number }).iterations,
    );
    deriveBits.mockClear();
    const unknownEmail = await newClient().POST("/v1/auth/login", {
      body: { email: uniqueEmail(), password: "not the right password" },
    });
    const workForUnknownEmail = deriveBits.mock.calls.map(([params]) => (params as { iterations?: number }).iterations);

    const a = await expectContract(login, 401, wrongPassword);
    const b = await expectContract(login, 401, unknownEmail);
    // Identical but for the request id, which names each request.
    expect({ ...a, requestId: "" }).toEqual({ ...b, requestId: "" });
    expect(workForWrongPassword).toEqual([PBKDF2_ITERATIONS]);
    expect(workForUnknownEmail).toEqual(workForWrongPassword);
  });

  it("does not reuse a password across the pepper: a hash made without it does not verify", async () => {
    const { user, email } = await signedInClient();
    const unpeppered = await hashPassword(STRONG_PASSWORD, "another-pepper-0123456789abcdef0123456789");
    await updatePasswordHash(env.DB, user.id, unpeppered);
    await expectContract(
      login,
      401,
      await newClient().POST("/v1/auth/login", { body: { email, password: STRONG_PASSWORD } }),
    );
  });
});
