// The fuzz suite's own instruments, checked without the Worker: the response checker must reject what the spec
// does not allow (else every fuzzed response "passes"), and the generators must produce what they claim.
import { type Schema, Validator } from "@cfworker/json-schema";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { invalidValue, validValue } from "./openapi-arbitraries";
import { deref, type JsonSchema, type Operation, operations, spec } from "./spec";
import { checkResponse } from "./validate-response";

const ops = operations();
const utf8 = new TextEncoder();

function response(status: number, contentType: string | null, body: unknown) {
  return {
    status,
    contentType,
    body: typeof body === "string" ? utf8.encode(body) : utf8.encode(JSON.stringify(body)),
  };
}

/** An operation declaring a JSON 200 whose schema is a $ref into components, and a 4xx problem. */
function jsonOperation(): { op: Operation; problemStatus: number; problemSchema: JsonSchema } {
  for (const op of ops) {
    if (!op.responses["200"]?.content?.["application/json"]?.schema?.$ref) continue;
    for (const [status, declared] of Object.entries(op.responses)) {
      const schema = declared.content?.["application/problem+json"]?.schema;
      if (schema && status.startsWith("4")) return { op, problemStatus: Number(status), problemSchema: schema };
    }
  }
  throw new Error("no operation with a $ref'd JSON 200 response and a problem+json 4xx");
}

describe("the response checker", () => {
  const { op, problemStatus, problemSchema } = jsonOperation();
  // A problem generated from the document's own schema, so this check follows the schema as it evolves.
  const problem = {
    ...(fc.sample(validValue(problemSchema, {}), { numRuns: 1, seed: 1 })[0] as object),
    status: problemStatus,
  };

  it("accepts a declared problem and refuses undeclared statuses, 5xx and unparseable bodies", () => {
    expect(checkResponse(op, response(problemStatus, "application/problem+json", problem)).violations).toEqual([]);
    expect(
      checkResponse(op, response(418, "application/problem+json", { ...problem, status: 418 })).violations.join(),
    ).toMatch(/not declared/);
    expect(
      checkResponse(op, response(500, "application/problem+json", { ...problem, status: 500 })).violations.join(),
    ).toMatch(/server error/);
    expect(
      checkResponse(op, response(problemStatus, "application/problem+json", "{not json")).violations.join(),
    ).toMatch(/not JSON/);
  });

  it("refuses a problem missing required members, with the wrong status, or under another content type", () => {
    const { detail: _detail, ...withoutDetail } = problem as { detail?: unknown };
    expect(
      checkResponse(op, response(problemStatus, "application/problem+json", withoutDetail)).violations.join(),
    ).toMatch(/detail/);
    expect(
      checkResponse(
        op,
        response(problemStatus, "application/problem+json", { ...problem, status: 999 }),
      ).violations.join(),
    ).toMatch(/differs/);
    expect(checkResponse(op, response(problemStatus, "text/html", "<h1>error</h1>")).violations.join()).toMatch(
      /not declared/,
    );
  });

  it("validates JSON bodies through $refs into #/components (a wrong nested type is caught)", () => {
    expect(
      checkResponse(op, response(200, "application/json", { surely: "not this schema" })).violations.join(),
    ).toMatch(/does not match its schema/);
  });

  it("checks binary bodies by content-type family and empty bodies for body-less statuses", () => {
    const file = ops.find((o) =>
      Object.values(o.responses).some((r) => Object.keys(r.content ?? {}).some((k) => k.endsWith("/*"))),
    );
    if (!file) return;
    const [status, declared] = Object.entries(file.responses).find(([, r]) =>
      Object.keys(r.content ?? {}).some((k) => k.endsWith("/*")),
    )!;
    const family = Object.keys(declared.content!)[0]!.split("/")[0]!;
    expect(
      checkResponse(file, { status: Number(status), contentType: `${family}/png`, body: new Uint8Array([1, 2]) })
        .violations,
    ).toEqual([]);
    expect(
      checkResponse(file, {
        status: Number(status),
        contentType: "text/plain",
        body: new Uint8Array([1, 2]),
      }).violations.join(),
    ).toMatch(/not declared/);
    const bodiless = Object.entries(file.responses).find(([, r]) => !r.content);
    if (bodiless) {
      expect(
        checkResponse(file, {
          status: Number(bodiless[0]),
          contentType: null,
          body: new Uint8Array([1]),
        }).violations.join(),
      ).toMatch(/declares no body/);
    }
  });
});

/** Every JSON request-body and parameter schema in the document (binary parts excluded: they are not JSON). */
function requestSchemas(): { where: string; schema: JsonSchema }[] {
  const out: { where: string; schema: JsonSchema }[] = [];
  for (const op of ops) {
    for (const p of op.parameters) if (p.schema) out.push({ where: `${op.id} ${p.in} ${p.name}`, schema: p.schema });
    for (const [mediaType, media] of Object.entries(op.requestBody?.content ?? {})) {
      if (media.schema && mediaType.includes("json")) out.push({ where: `${op.id} body`, schema: media.schema });
    }
  }
  return out;
}

describe("the schema → arbitrary generators", () => {
  const validatorFor = (schema: JsonSchema) =>
    new Validator({ ...schema, components: spec.components } as unknown as Schema, "2020-12");

  for (const { where, schema } of requestSchemas()) {
    it(`valid values satisfy, invalid values violate: ${where}`, () => {
      const validator = validatorFor(schema);
      fc.assert(
        fc.property(validValue(schema, {}), (value) => {
          const result = validator.validate(value);
          if (!result.valid)
            throw new Error(
              `generated "valid" ${JSON.stringify(value)?.slice(0, 200)}: ${result.errors.map((e) => e.error).join("; ")}`,
            );
        }),
        { numRuns: 100 },
      );
      const invalid = invalidValue(schema, {});
      if (!invalid) return void expect(Object.keys(deref(schema))).not.toContain("type");
      fc.assert(
        fc.property(invalid, (value) => {
          if (validator.validate(value).valid)
            throw new Error(`generated "invalid" ${JSON.stringify(value)?.slice(0, 200)} validates`);
        }),
        { numRuns: 100 },
      );
    });
  }
});
