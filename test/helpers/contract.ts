import type { RouteConfig } from "@hono/zod-openapi";
import { expect } from "vitest";
import type * as z from "zod";

type ContentOf<R extends RouteConfig, S extends keyof R["responses"]> = R["responses"][S] extends { content: infer C }
  ? C
  : never;
type BodyOf<R extends RouteConfig, S extends keyof R["responses"]> = ContentOf<R, S>[keyof ContentOf<R, S>] extends {
  schema: infer Z;
}
  ? Z extends z.ZodType
    ? z.infer<Z>
    : never
  : undefined;

/** What openapi-fetch returns: the response (body already read) and the parsed body. */
interface ClientResult {
  response: Response;
  data?: unknown;
  error?: unknown;
}

/**
 * Asserts that a response has the expected status, that the route declares that status, and that the body has
 * the declared content type and parses with the route's own schema. Tests written this way fail as soon as the
 * code drifts from the contract. Accepts a raw Response or an openapi-fetch result.
 */
export async function expectContract<R extends RouteConfig, S extends keyof R["responses"] & number>(
  route: R,
  status: S,
  result: Response | ClientResult,
): Promise<BodyOf<R, S>> {
  const response = result instanceof Response ? result : result.response;
  const body = result instanceof Response ? await readBody(response) : (result.data ?? result.error);
  const where = `${route.method.toUpperCase()} ${route.path}`;
  expect(response.status, `${where} answered ${response.status}: ${JSON.stringify(body)?.slice(0, 400)}`).toBe(status);
  const declared = route.responses[status] as { content?: Record<string, { schema: z.ZodType }> } | undefined;
  if (!declared) throw new Error(`${where} does not declare status ${status}`);
  if (!declared.content) {
    expect(body ?? "", `${where} ${status} declares no body`).toBe("");
    return undefined as BodyOf<R, S>;
  }
  const [contentType, media] = Object.entries(declared.content)[0]!;
  expect(response.headers.get("content-type") ?? "").toContain(contentType);
  return media.schema.parse(body) as BodyOf<R, S>;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return "";
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
