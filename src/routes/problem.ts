import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import * as z from "zod";
import { type ApiError, PROBLEM_KINDS, type ProblemKind, type ProblemStatus, problemSlug } from "../lib/problem";
import { publicOrigin } from "./public-origin";

/** RFC 9457 problem details: the single error envelope of the API. */
export const ProblemSchema = z
  .object({
    type: z.url().openapi({
      description: "Identifies the kind of problem; open it for a description.",
      example: "https://api.imagify.ai/problems/validation-failed",
    }),
    title: z.string().openapi({ example: "Validation failed" }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: "The request body does not match the schema." }),
    requestId: z.string().openapi({
      description: "Also in the `X-Request-Id` header and in our logs: quote it when reporting a problem.",
      example: "8f2c1a7b4d3e9f60-AMS",
    }),
    errors: z
      .array(
        z.object({
          path: z.string().openapi({ example: "body.email" }),
          message: z.string().openapi({ example: "Invalid email address" }),
        }),
      )
      .optional()
      .openapi({ description: "Present on validation failures: one entry per invalid field." }),
  })
  .openapi("Problem");

export type Problem = z.infer<typeof ProblemSchema>;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Renders an ApiError for this request: type URI under the API's public origin, request id, its headers. */
export function problemResponse(c: Context, error: ApiError): Response {
  const { status, title } = PROBLEM_KINDS[error.kind];
  const body: Problem = {
    type: problemTypeUri(c, error.kind),
    title,
    status,
    detail: error.message,
    requestId: c.get("requestId") ?? "",
    ...(error.errors ? { errors: error.errors } : {}),
  };
  const response = new Response(JSON.stringify(body), { status, headers: error.headers });
  response.headers.set("Content-Type", PROBLEM_CONTENT_TYPE);
  return response;
}

export function problemTypeUri(c: Context, kind: ProblemKind): string {
  return `${publicOrigin(c)}/problems/${problemSlug(kind)}`;
}

/**
 * OpenAPI `responses` entries for the given error statuses, all referencing the one Problem schema. 500 is always
 * declared: any route can meet an unexpected failure, and clients should know its shape too.
 */
export function problemResponses<const S extends ProblemStatus>(...statuses: S[]) {
  const entries = [...new Set([...statuses, 500 as const])].map((status) => [
    status,
    {
      description: describeStatus(status),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
      ...(status === 429 || status === 503
        ? {
            headers: {
              "Retry-After": {
                description: "Seconds until a retry may succeed.",
                schema: { type: "integer" as const },
              },
            },
          }
        : {}),
    },
  ]);
  return Object.fromEntries(entries) as Record<
    S | 500,
    { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema } } }
  >;
}

/** The kinds' descriptions for one status, e.g. 400 covers both validation failures and malformed requests. */
function describeStatus(status: ContentfulStatusCode): string {
  const kinds = Object.values(PROBLEM_KINDS).filter((kind) => kind.status === status);
  return kinds.map((kind) => kind.description).join(" ") || "Error";
}
