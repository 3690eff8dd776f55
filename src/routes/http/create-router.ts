import type { Hook } from "@hono/zod-openapi";
import { OpenAPIHono } from "@hono/zod-openapi";
import { ApiError } from "../../lib/problem";
import type { AppEnv } from "./app-env";
import { problemResponse } from "./problem";

/** Names error paths the way the OpenAPI document does (hono's validation targets are implementation names). */
const LOCATIONS: Record<string, string> = {
  json: "body",
  form: "body",
  query: "query",
  param: "path",
  header: "header",
  cookie: "cookie",
};

/** Turns a zod validation failure into a 400 problem+json listing every invalid field. */
export const validationHook: Hook<unknown, AppEnv, string, Response | undefined> = (result, c) => {
  if (result.success) return undefined;
  const location = LOCATIONS[result.target] ?? result.target;
  const errors = result.error.issues.map((issue) => ({
    path: [location, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  return problemResponse(
    c,
    new ApiError("validation_failed", `The request ${location} does not match the schema.`, { errors }),
  );
};

export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
