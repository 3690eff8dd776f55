import type { Context } from "hono";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import * as z from "zod";
import { getConfig } from "../lib/config";
import { ApiError, type ProblemStatus } from "../lib/problem";
import type { AppEnv, CallerEnv } from "../routes/context";
import { PROBLEM_CONTENT_TYPE } from "../routes/problem";
import { publicOrigin } from "../routes/public-origin";

/** When /v1 superseded this layer (its `Deprecation` date, RFC 9745). */
const DEPRECATED_AT = Date.parse("2026-11-25T00:00:00Z");

const SUCCESSORS: Record<string, string> = {
  "/api/register": "/v1/auth/register",
  "/api/login": "/v1/auth/login",
  "/api/upload": "/v1/images",
  "/api/images": "/v1/images",
  "/api/search": "/v1/images/search",
};

/**
 * Everything around the /api/* routes (after app.ts has put the services on the context): CORS for the frontend's origin (GET, POST, OPTIONS, no
 * credentials), the switch that retires the layer (410), the deprecation headers, and errors in the old shape
 * `{ success: false, error }` — the problem's safe detail, never more.
 */
export const legacyLayer = [
  cors({
    origin: (origin, c) => (getConfig(c.env).CORS_ORIGINS.includes(origin) ? origin : null),
    allowMethods: ["GET", "POST", "OPTIONS"],
    allowHeaders: ["Content-Type", "Authorization"],
    exposeHeaders: ["Deprecation", "Sunset", "Link", "X-Request-Id", "Retry-After"],
    credentials: false,
    maxAge: 600,
  }),
  createMiddleware<AppEnv>(async (c, next) => {
    await next();
    c.res = withDeprecation(c, await toLegacyError(c.res));
  }),
  createMiddleware<AppEnv>(async (c, next) => {
    if (c.var.services.platform.config.LEGACY_API === "off" && c.req.method !== "OPTIONS") {
      throw new ApiError("gone", "This API was retired. Please update the app (it now uses /v1).");
    }
    await next();
  }),
];

function withDeprecation(c: Context<AppEnv>, response: Response): Response {
  const out = new Response(response.body, response);
  out.headers.set("Deprecation", `@${Math.floor(DEPRECATED_AT / 1000)}`);
  // The first middleware of the layer built the services (or the request failed before reaching this one).
  out.headers.set("Sunset", new Date(c.var.services.platform.config.LEGACY_SUNSET).toUTCString());
  const successor = SUCCESSORS[c.req.path];
  if (successor) out.headers.set("Link", `<${publicOrigin(c)}${successor}>; rel="successor-version"`);
  out.headers.set("Cache-Control", "no-store");
  return out;
}

/** A problem+json answer rewritten as `{ success: false, error: <detail> }`, same status and headers. */
async function toLegacyError(response: Response): Promise<Response> {
  if (!response.headers.get("content-type")?.startsWith(PROBLEM_CONTENT_TYPE)) return response;
  const problem = (await response.json()) as { detail?: string };
  const headers = new Headers(response.headers);
  headers.set("Content-Type", "application/json");
  headers.delete("Content-Length");
  const body = JSON.stringify({ success: false, error: problem.detail ?? "Request failed." });
  return new Response(body, { status: response.status, headers });
}

/** Puts the caller of a legacy token on the context (`c.var.caller`), or answers 401 the old way. */
export const requireLegacyAuth = createMiddleware<AppEnv & CallerEnv>(async (c, next) => {
  c.set("caller", await c.var.services.legacy.authenticate(c.req.header("authorization")));
  await next();
});

/** The old error shape, which the deployed frontend shows as `error`. */
export const LegacyErrorSchema = z
  .object({ success: z.literal(false), error: z.string().openapi({ example: "Please log in again." }) })
  .openapi("LegacyError");

/** OpenAPI `responses` entries for the legacy error shape. */
export function legacyErrors<const S extends ProblemStatus>(...statuses: S[]) {
  const all = [...new Set([...statuses, 410 as const, 500 as const])];
  return Object.fromEntries(
    all.map((status) => [
      status,
      {
        description: "`{ success: false, error }` with a safe message.",
        content: { "application/json": { schema: LegacyErrorSchema } },
      },
    ]),
  ) as Record<
    S | 410 | 500,
    { description: string; content: { "application/json": { schema: typeof LegacyErrorSchema } } }
  >;
}
