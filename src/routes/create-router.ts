import type { Hook } from "@hono/zod-openapi";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "hono";
import { ApiError } from "../lib/problem";
import type { AppEnv } from "./context";
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
function validationHook<E extends Env>(): Hook<unknown, E, string, Response | undefined> {
  return (result, c) => {
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
}

/** A router whose validation failures are problem+json; `AppEnv` (with services) unless told otherwise. */
export function createRouter<E extends Env = AppEnv>() {
  return new OpenAPIHono<E>({ defaultHook: validationHook<E>() });
}
