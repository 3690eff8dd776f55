import { describe, expect, it } from "vitest";
import committed from "../../openapi/openapi.json";
import { call } from "../helpers/client";

type Operation = {
  operationId?: string;
  tags?: string[];
  summary?: string;
  security?: unknown[];
  requestBody?: unknown;
  deprecated?: boolean;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};

describe("the OpenAPI document", () => {
  it("/doc serves exactly the committed openapi/openapi.json", async () => {
    const response = await call("/doc");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(committed);
  });

  it("is OpenAPI 3.1 with a bearer security scheme", () => {
    expect(committed.openapi).toBe("3.1.0");
    expect(committed.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  const operations = Object.entries(committed.paths as Record<string, Record<string, Operation>>).flatMap(
    ([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        name: `${method.toUpperCase()} ${path}`,
        path,
        operation,
      })),
  );

  it("every operation has a unique operationId, a tag and a summary", () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(ids.every(Boolean)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { name, operation } of operations) {
      expect(operation.tags?.length, name).toBeGreaterThan(0);
      expect(operation.summary, name).toBeTruthy();
    }
  });

  it("every operation declares its errors with the one Problem schema (the deprecated layer: its old shape)", () => {
    for (const { name, operation } of operations) {
      const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
      expect(errors.length, name).toBeGreaterThan(0);
      for (const [status, response] of errors) {
        if (name === "GET /health" && status === "503") continue; // degraded health answers with the Health body itself
        const [mediaType, schema] = operation.deprecated
          ? ["application/json", "#/components/schemas/LegacyError"]
          : ["application/problem+json", "#/components/schemas/Problem"];
        expect(response.content?.[mediaType]?.schema?.$ref, `${name} ${status}`).toBe(schema);
      }
    }
  });

  it("the deprecated operations are exactly the /api/* ones, under the Legacy tag", () => {
    const deprecated = operations.filter(({ operation }) => operation.deprecated).map(({ path }) => path);
    expect(deprecated.sort()).toEqual(["/api/images", "/api/login", "/api/register", "/api/search", "/api/upload"]);
    for (const { operation } of operations.filter(({ path }) => path.startsWith("/api/"))) {
      expect(operation.tags).toEqual(["Legacy"]);
    }
  });

  it("every operation with a request body declares 413 (bodies are capped while they stream in)", () => {
    const withBody = operations.filter(({ operation }) => operation.requestBody);
    expect(withBody.length).toBeGreaterThan(5);
    for (const { name, operation } of withBody) expect(operation.responses["413"], name).toBeDefined();
  });

  it("every /v1 operation outside sign-in requires the bearer scheme and declares 401", () => {
    for (const { name, path, operation } of operations) {
      if (
        !path.startsWith("/v1/") ||
        ["/v1/auth/config", "/v1/auth/register", "/v1/auth/login", "/v1/auth/refresh"].includes(path)
      )
        continue;
      const expected = path === "/v1/images/{id}/file" ? [{ bearerAuth: [] }, { signedUrl: [] }] : [{ bearerAuth: [] }];
      expect(operation.security, name).toEqual(expected);
      expect(operation.responses["401"], name).toBeDefined();
    }
  });
});

describe("the API reference", () => {
  it("/reference loads the self-hosted Scalar bundle and points it at /doc", async () => {
    const response = await call("/reference");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('src="/scalar/standalone.js"');
    expect(html).toContain("/doc");
    expect(html).not.toMatch(/cdn\.jsdelivr|unpkg\.com/);
  });
});
