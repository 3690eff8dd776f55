import { describe, expect, it } from "vitest";
import { PROBLEM_KINDS, type ProblemKind, problemSlug } from "../../../src/lib/problem";
import { getProblemTypeRoute as getProblemType } from "../../../src/meta/meta.routes";
import { ProblemSchema } from "../../../src/routes/problem";
import { BASE_URL, call } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";

describe("problem types resolve", () => {
  for (const kind of Object.keys(PROBLEM_KINDS) as ProblemKind[]) {
    it(`/problems/${problemSlug(kind)} describes ${kind}`, async () => {
      const type = await expectContract(getProblemType, 200, await call(`/problems/${problemSlug(kind)}`));
      expect(type).toMatchObject({ type: `${BASE_URL}/problems/${problemSlug(kind)}`, ...PROBLEM_KINDS[kind] });
    });
  }

  it("the type of a real problem is a URL that answers with its description", async () => {
    const problem = ProblemSchema.parse(await (await call("/v1/me")).json());
    expect(problem.status).toBe(401);
    const described = await expectContract(getProblemType, 200, await call(problem.type));
    expect(described).toMatchObject({ type: problem.type, title: problem.title, status: 401 });
  });

  it("browsers get a short HTML page, with the text escaped", async () => {
    const response = await call("/problems/rate-limited", { headers: { Accept: "text/html,application/xhtml+xml" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.headers.get("vary")).toContain("Accept");
    const html = await response.text();
    expect(html).toContain("<h1>429 Too many requests</h1>");
    expect(html).toContain("Retry-After");
  });

  it("an unknown type is a 404 problem", async () => {
    const problem = await expectContract(getProblemType, 404, await call("/problems/teapot"));
    expect(problem.type).toBe(`${BASE_URL}/problems/not-found`);
  });
});
