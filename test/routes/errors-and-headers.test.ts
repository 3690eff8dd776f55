import { describe, expect, it } from "vitest";
import { loginRoute as login, registerRoute as register } from "../../src/auth/auth.routes";
import { getHealthRoute as getHealth } from "../../src/meta/meta.routes";
import { ProblemSchema } from "../../src/routes/problem";
import { call, STRONG_PASSWORD, uniqueEmail } from "../helpers/client";
import { expectContract } from "../helpers/contract";

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

describe("validation errors are 400 problem+json listing each field", () => {
  const cases: [string, RequestInit, string[]][] = [
    ["an unknown field", json({ email: uniqueEmail(), password: STRONG_PASSWORD, isAdmin: true }), [""]],
    ["a wrong-typed field", json({ email: uniqueEmail(), password: 12345678 }), ["body.password"]],
    ["a missing field", json({ email: uniqueEmail() }), ["body.password"]],
    ["an invalid email", json({ email: "not-an-email", password: STRONG_PASSWORD }), ["body.email"]],
    ["a userId smuggled in the body", json({ email: uniqueEmail(), password: STRONG_PASSWORD, userId: "usr_x" }), [""]],
  ];
  for (const [name, init, paths] of cases) {
    it(`register with ${name}`, async () => {
      const problem = await expectContract(register, 400, await call("/v1/auth/register", init));
      expect(problem.errors?.length).toBeGreaterThan(0);
      for (const path of paths) expect(problem.errors!.some((error) => error.path.startsWith(path))).toBe(true);
    });
  }

  it("malformed JSON", async () => {
    const problem = await expectContract(login, 400, await call("/v1/auth/login", json("{ not json")));
    expect(problem.detail).toMatch(/JSON/i);
  });

  it("a body that is not JSON at all", async () => {
    await expectContract(
      login,
      400,
      await call("/v1/auth/login", { method: "POST", headers: { "Content-Type": "text/plain" }, body: "hello" }),
    );
  });
});

describe("uniform problems", () => {
  it("an unknown route is a 404 problem", async () => {
    const response = await call("/v1/nope");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(ProblemSchema.parse(await response.json()).status).toBe(404);
  });
});

describe("headers", () => {
  it("sets HSTS, nosniff and a restrictive CSP on API responses", async () => {
    const response = await call("/health");
    await expectContract(getHealth, 200, response);
    expect(response.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("marks auth responses no-store, errors included", async () => {
    const ok = await call("/v1/auth/register", json({ email: uniqueEmail(), password: STRONG_PASSWORD }));
    expect(ok.status).toBe(201);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    const failed = await call("/v1/auth/login", json({ email: uniqueEmail(), password: STRONG_PASSWORD }));
    expect(failed.status).toBe(401);
    expect(failed.headers.get("cache-control")).toBe("no-store");
  });

  it("allows CORS only from configured origins, never with a wildcard", async () => {
    const preflight = (origin: string) =>
      call("/v1/auth/login", {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "POST" },
      });
    const allowed = await preflight("http://localhost:5173");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const refused = await preflight("https://evil.example");
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });
});
