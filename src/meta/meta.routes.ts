import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { jsonContent } from "../routes/openapi";
import { problemResponses } from "../routes/problem";

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

export const getProblemTypeRoute = createRoute({
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

const CheckSchema = z.enum(["ok", "error"]);

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    version: z.string().openapi({ example: "0.1.0" }),
    checks: z.object({
      config: CheckSchema,
      d1: CheckSchema,
      r2: CheckSchema,
      turnstile: z.enum(["ok", "error", "off"]).openapi({
        description: "Bot protection on register and login; `off` when switched off on purpose (TURNSTILE=off).",
      }),
    }),
    problems: z
      .array(z.string())
      .openapi({ description: "What is wrong when status is degraded (names only, never values)." }),
  })
  .openapi("Health");

export const getHealthRoute = createRoute({
  operationId: "getHealth",
  method: "get",
  path: "/health",
  tags: ["Meta"],
  security: [],
  summary: "Liveness and binding checks",
  description: "200 when configuration, D1 and R2 all answer; 503 with the same body when any does not.",
  responses: {
    200: jsonContent(HealthSchema, "Everything answers."),
    503: jsonContent(HealthSchema, "Something is missing or unreachable."),
    ...problemResponses(500),
  },
});
