import { createRoute, z } from "@hono/zod-openapi";
import { jsonContent } from "../http/openapi-helpers";
import { problemResponses } from "../http/problem";

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

export const getHealth = createRoute({
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
