import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { DUMMY_SECRETS } from "../../scripts/siteverify-standin.js";
import {
  getAuthConfigRoute as getAuthConfig,
  loginRoute as login,
  registerRoute as register,
} from "../../src/auth/auth.routes";
import { findUserByEmail } from "../../src/auth/store/users";
import { getHealthRoute as getHealth } from "../../src/meta/meta.routes";
import { fetchWithSettings } from "../helpers/app-with";
import { randomIp, STRONG_PASSWORD, signedInClient, uniqueEmail } from "../helpers/client";
import { expectContract } from "../helpers/contract";

const DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX";
const SITE_KEY = "1x00000000000000000000AA";
const SITEVERIFY = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

/**
 * The Worker with bot protection on and Cloudflare's dummy keys. Siteverify is reached through the test
 * environment's SITEVERIFY binding (the stand-in honouring the dummy secrets), unless a test passes its own
 * `SITEVERIFY` to play a network that fails or a siteverify that answers otherwise.
 */
async function withTurnstile(path: string, init: RequestInit = {}, settings: Record<string, unknown> = {}) {
  const headers = new Headers(init.headers);
  headers.set("cf-connecting-ip", randomIp());
  return fetchWithSettings(new Request(new URL(path, "http://api.imagify.test"), { ...init, headers }), {
    TURNSTILE: "on",
    TURNSTILE_SECRET_KEY: DUMMY_SECRETS.pass,
    TURNSTILE_SITE_KEY: SITE_KEY,
    ...settings,
  });
}

/** A siteverify network that passes requests on and records them. */
function recording(network: { fetch(input: string, init: RequestInit): Promise<Response> }) {
  return { fetch: vi.fn((input: string, init: RequestInit) => network.fetch(input, init)) };
}

const post = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

async function accountExists(email: string): Promise<boolean> {
  return (await findUserByEmail(env.DB, email)) !== null;
}

describe("Turnstile on register and login", () => {
  it("the dummy token registers and signs in; the config route hands out the site key", async () => {
    const email = uniqueEmail();
    await expectContract(
      register,
      201,
      await withTurnstile("/v1/auth/register", post({ email, password: STRONG_PASSWORD, turnstileToken: DUMMY_TOKEN })),
    );
    await expectContract(
      login,
      200,
      await withTurnstile("/v1/auth/login", post({ email, password: STRONG_PASSWORD, turnstileToken: DUMMY_TOKEN })),
    );
    const config = await expectContract(getAuthConfig, 200, await withTurnstile("/v1/auth/config"));
    expect(config).toEqual({ turnstile: { enabled: true, siteKey: SITE_KEY } });
  });

  it("a missing token is 400 challenge-missing, and no account is created", async () => {
    const email = uniqueEmail();
    const problem = await expectContract(
      register,
      400,
      await withTurnstile("/v1/auth/register", post({ email, password: STRONG_PASSWORD })),
    );
    expect(problem.type).toMatch(/\/problems\/challenge-missing$/);
    expect(await accountExists(email)).toBe(false);
  });

  const refusals: [string, string, string][] = [
    ["an invalid token (secret that always fails)", DUMMY_SECRETS.fail, "challenge-failed"],
    ["an expired or already spent token", DUMMY_SECRETS.spent, "challenge-failed"],
    ["a secret siteverify does not know", "0x4AAAAAAAnot-a-real-secret", "challenge-unavailable"],
  ];
  for (const [name, secret, kind] of refusals) {
    it(`${name} is refused as ${kind}, and nothing is created`, async () => {
      const email = uniqueEmail();
      const response = await withTurnstile(
        "/v1/auth/register",
        post({ email, password: STRONG_PASSWORD, turnstileToken: DUMMY_TOKEN }),
        { TURNSTILE_SECRET_KEY: secret },
      );
      const problem = await expectContract(register, kind === "challenge-unavailable" ? 503 : 403, response);
      expect(problem.type).toMatch(new RegExp(`/problems/${kind}$`));
      expect(await accountExists(email)).toBe(false);
    });
  }

  it("a token over 2,048 characters is refused before any call to siteverify", async () => {
    const siteverify = recording(env.SITEVERIFY!);
    const problem = await expectContract(
      login,
      400,
      await withTurnstile(
        "/v1/auth/login",
        post({ email: uniqueEmail(), password: STRONG_PASSWORD, turnstileToken: "x".repeat(2049) }),
        { SITEVERIFY: siteverify },
      ),
    );
    expect(problem.errors?.[0]?.path).toBe("body.turnstileToken");
    expect(siteverify.fetch).not.toHaveBeenCalled();
  });

  it("siteverify is called with the secret, the token, the client IP and an idempotency key", async () => {
    const siteverify = recording(env.SITEVERIFY!);
    const { email, password } = await signedInClient();
    await expectContract(
      login,
      200,
      await withTurnstile("/v1/auth/login", post({ email, password, turnstileToken: DUMMY_TOKEN }), {
        SITEVERIFY: siteverify,
      }),
    );
    const call = siteverify.fetch.mock.calls.find(([url]) => String(url) === SITEVERIFY);
    expect(call).toBeDefined();
    const sent = JSON.parse(String(call![1]!.body));
    expect(call![1]!.method).toBe("POST");
    expect(sent).toMatchObject({ secret: DUMMY_SECRETS.pass, response: DUMMY_TOKEN });
    expect(sent.remoteip).toMatch(/^10\./);
    expect(sent.idempotency_key).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("siteverify timing out refuses the request (fail closed) and creates nothing", async () => {
    const hanging = {
      fetch: (_input: string, init: RequestInit) =>
        new Promise<Response>((_, reject) =>
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason ?? new Error("aborted"))),
        ),
    };
    const email = uniqueEmail();
    const started = Date.now();
    const problem = await expectContract(
      register,
      503,
      await withTurnstile(
        "/v1/auth/register",
        post({ email, password: STRONG_PASSWORD, turnstileToken: DUMMY_TOKEN }),
        { TURNSTILE_TIMEOUT_MS: "300", SITEVERIFY: hanging },
      ),
    );
    expect(problem.type).toMatch(/\/problems\/challenge-unavailable$/);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await accountExists(email)).toBe(false);
  });

  it("siteverify unreachable is 503; a token for another action or hostname is 403", async () => {
    const unreachable = { fetch: vi.fn().mockRejectedValue(new TypeError("Network connection lost.")) };
    await expectContract(
      login,
      503,
      await withTurnstile(
        "/v1/auth/login",
        post({ email: uniqueEmail(), password: "x", turnstileToken: DUMMY_TOKEN }),
        {
          SITEVERIFY: unreachable,
        },
      ),
    );
    // A network failure is retried once, with the same idempotency key.
    expect(unreachable.fetch).toHaveBeenCalledTimes(2);
    const keys = unreachable.fetch.mock.calls.map(([, init]) => JSON.parse(String(init.body)).idempotency_key);
    expect(keys[0]).toBe(keys[1]);

    const answering = (fields: object) => ({
      fetch: async () =>
        Response.json({ success: true, "error-codes": [], challenge_ts: new Date().toISOString(), ...fields }),
    });
    await expectContract(
      login,
      403,
      await withTurnstile(
        "/v1/auth/login",
        post({ email: uniqueEmail(), password: "x", turnstileToken: DUMMY_TOKEN }),
        {
          SITEVERIFY: answering({ hostname: "example.com", action: "register" }),
        },
      ),
    );
    await expectContract(
      login,
      403,
      await withTurnstile(
        "/v1/auth/login",
        post({ email: uniqueEmail(), password: "x", turnstileToken: DUMMY_TOKEN }),
        {
          TURNSTILE_HOSTNAMES: "app.imagify.ai, imagify.ai",
          SITEVERIFY: answering({ hostname: "evil.example", action: "login" }),
        },
      ),
    );
  });

  it("on without a secret: /health is degraded and register answers 503; off: /health reports it", async () => {
    const health = await expectContract(
      getHealth,
      503,
      await withTurnstile("/health", {}, { TURNSTILE_SECRET_KEY: "" }),
    );
    expect(health.checks.turnstile).toBe("error");
    expect(health.problems.join(" ")).toMatch(/TURNSTILE_SECRET_KEY/);
    const email = uniqueEmail();
    await expectContract(
      register,
      503,
      await withTurnstile(
        "/v1/auth/register",
        post({ email, password: STRONG_PASSWORD, turnstileToken: DUMMY_TOKEN }),
        { TURNSTILE_SECRET_KEY: "" },
      ),
    );
    expect(await accountExists(email)).toBe(false);

    const off = await expectContract(getHealth, 200, await withTurnstile("/health", {}, { TURNSTILE: "off" }));
    expect(off.checks.turnstile).toBe("off");
    const config = await expectContract(
      getAuthConfig,
      200,
      await withTurnstile("/v1/auth/config", {}, { TURNSTILE: "off" }),
    );
    expect(config.turnstile.enabled).toBe(false);
  });
});
