import { Scalar } from "@scalar/hono-api-reference";
import type { Context } from "hono";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { authRouter } from "./auth/auth.router";
import { editsRouter } from "./images/edits.router";
import { imagesRouter } from "./images/images.router";
import { presetsRouter } from "./images/presets.router";
import { legacyRouter } from "./legacy/legacy.router";
import { legacyLayer } from "./legacy/legacy-layer";
import { ConfigError, getConfig } from "./lib/config";
import { ApiError } from "./lib/problem";
import { metaRouter } from "./meta/meta.router";
import { processingRouter } from "./processing/processing.router";
import type { AppEnv, BaseEnv } from "./routes/context";
import { createRouter } from "./routes/create-router";
import { noStore, requestId, securityHeaders } from "./routes/middleware";
import { openApiDocumentConfig, registerSecuritySchemes } from "./routes/openapi";
import { problemResponse } from "./routes/problem";
import { createServices } from "./services";

/**
 * The HTTP application: middleware, every capability's router, /doc, /reference and error rendering. Imports nothing
 * from `cloudflare:*`, so Node scripts can load it to write the spec.
 */
export function createApp() {
  const app = createRouter<BaseEnv>();

  app.use("*", requestId);
  app.use("*", securityHeaders);
  app.use("/v1/*", withServices);
  app.use(
    "/v1/*",
    cors({
      origin: (origin, c) => (getConfig(c.env).CORS_ORIGINS.includes(origin) ? origin : null),
      allowHeaders: ["Authorization", "Content-Type", "If-None-Match", "Range"],
      exposeHeaders: ["ETag", "Retry-After", "Content-Range", "Server-Timing", "X-Request-Id"],
      maxAge: 600,
    }),
  );
  app.use("/api/*", withServices, ...legacyLayer);
  app.use("/v1/auth/*", noStore);
  app.use("/v1/me", noStore);
  app.use("/v1/me/*", noStore);

  app
    .route("/", metaRouter)
    .route("/", authRouter)
    .route("/", imagesRouter)
    .route("/", editsRouter)
    .route("/", presetsRouter)
    .route("/", processingRouter)
    .route("/", legacyRouter);

  registerSecuritySchemes(app);
  app.doc31("/doc", openApiDocumentConfig);
  app.get(
    "/reference",
    Scalar({
      url: "/doc",
      pageTitle: "ImagifyAI API reference",
      // Self-hosted (see `npm run assets`), so the reference renders with no internet.
      cdn: "/scalar/standalone.js",
      withDefaultFonts: false,
      defaultOpenAllTags: true,
    }),
  );

  app.notFound((c) => problemResponse(c, new ApiError("not_found", `No route matches ${c.req.method} ${c.req.path}.`)));
  app.onError((error, c) => problemResponse(c, toApiError(error, c)));
  return app;
}

/** Every failure as an ApiError; anything unexpected is logged with the request id and shown only generically. */
function toApiError(error: Error, c: Context<BaseEnv>): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException && error.status < 500) {
    return new ApiError(error.status === 413 ? "payload_too_large" : "bad_request", error.message || "Bad request.");
  }
  const requestId = c.get("requestId");
  if (error instanceof ConfigError) {
    console.error(JSON.stringify({ level: "error", requestId, message: error.message }));
    return new ApiError("internal", "The server is not configured correctly; see /health.");
  }
  console.error("Unhandled error", { requestId, method: c.req.method, path: c.req.path }, error);
  return new ApiError("internal", "Something went wrong on our side. Nothing was changed.");
}

/** The services of this Worker environment (services.ts) on `c.var.services`; a broken configuration is a 500. */
export const withServices = createMiddleware<AppEnv>(async (c, next) => {
  c.set("services", createServices(c.env));
  await next();
});

export type App = ReturnType<typeof createApp>;
