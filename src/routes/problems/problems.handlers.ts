import type { RouteHandler } from "@hono/zod-openapi";
import { ApiError, PROBLEM_KINDS, problemKindOfSlug } from "../../lib/problem";
import type { AppEnv } from "../http/app-env";
import { problemTypeUri } from "../http/problem";
import type { getProblemType } from "./problems.routes";

export const getProblemTypeHandler: RouteHandler<typeof getProblemType, AppEnv> = async (c) => {
  const kind = problemKindOfSlug(c.req.valid("param").slug);
  if (!kind) throw new ApiError("not_found", "There is no problem type of this name.");
  const { status, title, description } = PROBLEM_KINDS[kind];
  const body = { type: problemTypeUri(c, kind), title, status, description };
  c.header("Cache-Control", "public, max-age=86400");
  c.header("Vary", "Accept");
  if (prefersHtml(c.req.header("accept"))) return c.html(page(body), 200);
  return c.json(body, 200);
};

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
