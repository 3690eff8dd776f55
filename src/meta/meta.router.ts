import { ApiError, PROBLEM_KINDS, problemKindOfSlug } from "../lib/problem";
import type { BaseEnv } from "../routes/context";
import { createRouter } from "../routes/create-router";
import { API_VERSION } from "../routes/openapi";
import { problemTypeUri } from "../routes/problem";
import { checkHealth } from "./health";
import { getHealthRoute, getProblemTypeRoute } from "./meta.routes";

/** /health and /problems: they answer even when the configuration is broken, so they run without services. */
export const metaRouter = createRouter<BaseEnv>()
  .openapi(getHealthRoute, async (c) => {
    const { healthy, checks, problems } = await checkHealth(c.env);
    const body = { status: healthy ? ("ok" as const) : ("degraded" as const), version: API_VERSION, checks, problems };
    return healthy ? c.json(body, 200) : c.json(body, 503);
  })
  .openapi(getProblemTypeRoute, async (c) => {
    const kind = problemKindOfSlug(c.req.valid("param").slug);
    if (!kind) throw new ApiError("not_found", "There is no problem type of this name.");
    const { status, title, description } = PROBLEM_KINDS[kind];
    const body = { type: problemTypeUri(c, kind), title, status, description };
    c.header("Cache-Control", "public, max-age=86400");
    c.header("Vary", "Accept");
    if (prefersHtml(c.req.header("accept"))) return c.html(page(body), 200);
    return c.json(body, 200);
  });

function prefersHtml(accept: string | undefined): boolean {
  return /\btext\/html\b/.test(accept ?? "");
}

function page(problem: { title: string; status: number; description: string }): string {
  const text = (value: string) =>
    value.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]!);
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${text(problem.title)} — ImagifyAI API</title>
<h1>${problem.status} ${text(problem.title)}</h1><p>${text(problem.description)}</p>
<p>Every error of the ImagifyAI API is an RFC 9457 problem; see the <a href="/reference">API reference</a>.</p></html>`;
}
