import { OpenAPIHono } from "@hono/zod-openapi";
import type { Hook } from "@hono/zod-openapi";
import type { AppEnv } from "./env";
import { problemBody, problemResponse } from "./problem";

/** Turns a zod validation failure into a 400 problem+json listing every invalid field. */
export const validationHook: Hook<unknown, AppEnv, string, Response | undefined> = (result) => {
  if (result.success) return undefined;
  const errors = result.error.issues.map((issue) => ({
    path: [result.target, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  return problemResponse(problemBody("validation_failed", `The request ${result.target} does not match the schema.`, errors));
};

export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
