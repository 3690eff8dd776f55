import { createRoute, z } from "@hono/zod-openapi";
import { problemResponses } from "../http/problem";

export const ProblemTypeSchema = z
  .object({
    type: z.url().openapi({ example: "https://api.imagify.ai/problems/rate-limited" }),
    title: z.string().openapi({ example: "Too many requests" }),
    status: z.number().int().openapi({ example: 429 }),
    description: z.string().openapi({
      example: "Too many attempts in a short time. Retry after the number of seconds in `Retry-After`.",
    }),
  })
  .openapi("ProblemType");

export const getProblemType = createRoute({
  operationId: "getProblemType",
  method: "get",
  path: "/problems/{slug}",
  tags: ["Meta"],
  security: [],
  summary: "Describe a problem type",
  description:
    "Every problem's `type` is a URL of this route: it describes the kind of failure and what to do about it. " +
    "Browsers get a short HTML page; everyone else JSON.",
  request: {
    params: z.object({
      slug: z
        .string()
        .max(64)
        .openapi({ param: { name: "slug", in: "path" }, example: "rate-limited" }),
    }),
  },
  responses: {
    200: {
      description: "The problem type.",
      content: {
        "application/json": { schema: ProblemTypeSchema },
        "text/html": { schema: z.string() },
      },
    },
    ...problemResponses(400, 404),
  },
});
