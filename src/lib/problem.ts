import { z } from "@hono/zod-openapi";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** RFC 9457 problem details: the single error envelope of the API. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "https://docs.imagify.ai/problems/validation-failed" }),
    title: z.string().openapi({ example: "Validation failed" }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: "The request body does not match the schema." }),
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
export type ProblemFieldError = NonNullable<Problem["errors"]>[number];

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The kinds of failure the API reports, each with its status and a stable type URI. */
const PROBLEM_KINDS = {
  validation_failed: { status: 400, title: "Validation failed" },
  bad_request: { status: 400, title: "Bad request" },
  unauthorized: { status: 401, title: "Unauthorized" },
  forbidden: { status: 403, title: "Forbidden" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  range_not_satisfiable: { status: 416, title: "Range not satisfiable" },
  unprocessable: { status: 422, title: "Unprocessable content" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal server error" },
  unavailable: { status: 503, title: "Service unavailable" },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ProblemKind = keyof typeof PROBLEM_KINDS;

const TYPE_BASE = "https://docs.imagify.ai/problems/";

export function problemBody(kind: ProblemKind, detail: string, errors?: ProblemFieldError[]): Problem {
  const { status, title } = PROBLEM_KINDS[kind];
  return { type: TYPE_BASE + kind.replaceAll("_", "-"), title, status, detail, ...(errors ? { errors } : {}) };
}

export function problemResponse(problem: Problem, headers?: HeadersInit): Response {
  const res = new Response(JSON.stringify(problem), { status: problem.status, headers });
  res.headers.set("Content-Type", PROBLEM_CONTENT_TYPE);
  return res;
}

/** Throw from anywhere in a handler; `onError` renders it as problem+json with its status. */
export class ApiError extends Error {
  readonly kind: ProblemKind;
  readonly status: ContentfulStatusCode;
  readonly errors: ProblemFieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    kind: ProblemKind,
    detail: string,
    options: { errors?: ProblemFieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = "ApiError";
    this.kind = kind;
    this.status = PROBLEM_KINDS[kind].status;
    this.errors = options.errors;
    this.headers = options.headers;
  }

  toResponse(): Response {
    return problemResponse(problemBody(this.kind, this.message, this.errors), this.headers);
  }
}

const DESCRIPTIONS: Record<number, string> = {
  400: "The request is malformed or fails validation.",
  401: "Missing, invalid or expired credentials.",
  403: "The credentials do not grant access to this resource.",
  404: "No such resource (or it belongs to someone else).",
  409: "The request conflicts with the current state.",
  413: "The upload exceeds the size limit.",
  415: "The upload is not a supported image type.",
  416: "The requested range cannot be served.",
  422: "The upload is well-formed but cannot be processed.",
  429: "Too many attempts; retry after the number of seconds in Retry-After.",
  500: "An unexpected error; nothing was changed.",
  503: "A dependency is unavailable.",
};

type ErrorStatus = (typeof PROBLEM_KINDS)[ProblemKind]["status"];

/**
 * OpenAPI `responses` entries for the given error statuses, all referencing the one Problem schema. 500 is always
 * declared: any route can meet an unexpected failure, and clients should know its shape too.
 */
export function problemResponses<const S extends ErrorStatus>(...statuses: S[]) {
  const entries = [...statuses, 500 as const].map((status) => [
    status,
    {
      description: DESCRIPTIONS[status] ?? "Error",
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
      ...(status === 429
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
