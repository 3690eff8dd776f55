import type { OpenAPIHono } from "@hono/zod-openapi";
import type * as z from "zod";
// The named import lets esbuild keep only `version` of package.json in the bundle, not its scripts and dependencies.
import { version } from "../../package.json";
import type { BaseEnv } from "./context";

/** The API's version, as published in the OpenAPI document and /health. */
export const API_VERSION = version;

/** A required JSON request body (zod-openapi leaves bodies optional unless told, and the SDK would follow). */
export function jsonBody<T extends z.ZodType>(schema: T, example?: z.input<T>) {
  return {
    required: true,
    content: { "application/json": { schema, ...(example === undefined ? {} : { example }) } },
  } as const;
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

/** The document's top level; shared by /doc and scripts/generate-openapi.ts so the two cannot differ. */
export const openApiDocumentConfig: Parameters<OpenAPIHono["getOpenAPI31Document"]>[0] = {
  openapi: "3.1.0",
  info: {
    title: "ImagifyAI API",
    version: API_VERSION,
    description:
      "Upload images, get them tagged by ResNet-50, and find them again by tag.\n\n" +
      "Authenticate with `POST /v1/auth/login`, then send `Authorization: Bearer <accessToken>`. " +
      "Errors are RFC 9457 `application/problem+json` documents.",
    license: { name: "Proprietary", url: "https://imagify.ai/terms" },
  },
  servers: [{ url: "http://localhost:8787", description: "Local development (npm start)" }],
  tags: [
    { name: "Auth", description: "Accounts and sessions: access tokens (15 min) and single-use refresh tokens." },
    { name: "Users", description: "The signed-in user." },
    { name: "Images", description: "Upload, list, fetch, tag and delete images." },
    { name: "Tags", description: "The vocabulary of a user's tags." },
    {
      name: "Presets",
      description:
        "Named rendition recipes, yours and built-in ones: `?preset=<name>` on an image's file, or a processing " +
        "session's output.",
    },
    {
      name: "Processing",
      description:
        "Batch conversion sessions: select images, choose an output, start, and follow the progress live from any " +
        "device; pause, resume, download each file or all of them as a ZIP.",
    },
    { name: "Meta", description: "Service health and the descriptions of problem types." },
    {
      name: "Legacy",
      description:
        "Deprecated: the original API, kept for the deployed frontend until it moves to the SDK. Every answer " +
        "carries `Deprecation`, `Sunset` and a `Link` to its /v1 successor; errors are `{ success: false, error }`.",
    },
  ],
};

export function registerSecuritySchemes(app: OpenAPIHono<BaseEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "The `accessToken` from login, register or refresh.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "legacyBearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "The `token` from POST /api/login (deprecated layer only; /v1 tokens are not accepted there).",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "signedUrl", {
    type: "apiKey",
    in: "query",
    name: "sig",
    description: "The signature in an image's `url` (with its `uid` and `exp`): use the `url` exactly as given.",
  });
}
