import { Scalar } from "@scalar/hono-api-reference";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { ConfigError, getConfig } from "./lib/config";
import { createRouter } from "./lib/create-router";
import { ApiError, problemBody, problemResponse } from "./lib/problem";
import { securityHeaders } from "./lib/security-headers";
import { openApiDocumentConfig, registerSecuritySchemes } from "./openapi";
import { authRouter } from "./routes/auth/auth.index";
import { healthRouter } from "./routes/health/health.index";
import { imagesRouter } from "./routes/images/images.index";
import { meRouter } from "./routes/me/me.index";
import { tagsRouter } from "./routes/tags/tags.index";

/** Builds the whole API. Imports nothing from `cloudflare:*`, so Node scripts can load it to write the spec. */
export function createApp() {
  const app = createRouter();

  app.use("*", securityHeaders);
  app.use("/v1/*", async (c, next) => {
    c.set("config", getConfig(c.env));
    await next();
  });
  app.use(
    "/v1/*",
    cors({
      origin: (origin, c) => (getConfig(c.env).CORS_ORIGINS.includes(origin) ? origin : null),
      allowHeaders: ["Authorization", "Content-Type", "If-None-Match", "Range"],
      exposeHeaders: ["ETag", "Retry-After", "Content-Range", "Server-Timing"],
      maxAge: 600,
    }),
  );
  app.use("/v1/auth/*", noStore);
  app.use("/v1/me", noStore);

  app
    .route("/", healthRouter)
    .route("/", authRouter)
    .route("/", meRouter)
    .route("/", imagesRouter)
    .route("/", tagsRouter);

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

  app.notFound((c) => problemResponse(problemBody("not_found", `No route matches ${c.req.method} ${c.req.path}.`)));
  app.onError((error) => {
    if (error instanceof ApiError) return error.toResponse();
    if (error instanceof HTTPException && error.status < 500) {
      return problemResponse(
        problemBody(error.status === 413 ? "payload_too_large" : "bad_request", error.message || "Bad request."),
      );
    }
    if (error instanceof ConfigError) {
      console.error(error.message);
      return problemResponse(problemBody("internal", "The server is not configured correctly; see /health."));
    }
    console.error("Unhandled error", error);
    return problemResponse(problemBody("internal", "Something went wrong on our side. Nothing was changed."));
  });

  return app;
}

async function noStore(c: import("hono").Context, next: () => Promise<void>) {
  await next();
  c.header("Cache-Control", "no-store");
}

export type App = ReturnType<typeof createApp>;
