import { describe, expect, it } from "vitest";
import { loginRoute as login } from "../../../src/auth/auth.routes";
import { ProblemSchema } from "../../../src/routes/problem";
import { call, signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import { uniqueImage, uploadLabelled } from "../../helpers/images";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("X-Request-Id", () => {
  it("is on every kind of response, and each request gets its own", async () => {
    const { client } = await signedInClient();
    const image = await uploadLabelled(client, uniqueImage("tiny.png"), [{ label: "OTTER", score: 0.5 }]);
    const responses = [
      await call("/health"),
      await call("/doc"),
      await call("/reference"),
      await call("/problems/not-found"),
      await call("/v1/nope"),
      await call("/v1/me"),
      await call("/v1/auth/login", { method: "OPTIONS", headers: { Origin: "http://localhost:5173" } }),
      await call(image.url),
      await call(image.url, { headers: { Range: "bytes=0-3" } }),
    ];
    const ids = responses.map((response) => response.headers.get("x-request-id") ?? "");
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is the problem's requestId", async () => {
    const response = await call("/v1/auth/login", {
      method: "POST",
      body: "{",
      headers: { "Content-Type": "application/json" },
    });
    const problem = await expectContract(login, 400, response);
    expect(problem.requestId).toBe(response.headers.get("x-request-id"));
  });

  it("reuses Cloudflare's ray id, and replaces anything else a client sends", async () => {
    const ray = "8f2c1a7b4d3e9f60-AMS";
    const withRay = await call("/v1/nope", { headers: { "cf-ray": ray } });
    expect(withRay.headers.get("x-request-id")).toBe(ray);
    expect(ProblemSchema.parse(await withRay.json()).requestId).toBe(ray);

    const forged = await call("/v1/nope", { headers: { "cf-ray": "<script>admin; x" } });
    expect(forged.headers.get("x-request-id")).toMatch(UUID);
  });

  it("is readable cross-origin (exposed by CORS)", async () => {
    const response = await call("/v1/me", { headers: { Origin: "http://localhost:5173" } });
    expect(response.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("x-request-id");
  });
});
