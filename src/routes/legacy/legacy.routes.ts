import { createRoute } from "@hono/zod-openapi";
import { limitJsonBody, limitUploadSize } from "../http/body-limits";
import { jsonBody, jsonContent } from "../http/openapi-helpers";
import {
  LegacyCredentialsSchema,
  LegacyImagesSchema,
  LegacyLoggedInSchema,
  LegacyRegisteredSchema,
  LegacySearchSchema,
  LegacyUploadedSchema,
  LegacyUploadSchema,
} from "./legacy.schemas";
import { legacyErrors, requireLegacyAuth } from "./legacy-http";

const tags = ["Legacy"];
const bearer = [{ legacyBearer: [] }];
const credentials = { email: "ada@example.com", password: "correct horse battery staple" };

export const legacyRegister = createRoute({
  operationId: "legacyRegister",
  method: "post",
  path: "/api/register",
  tags,
  deprecated: true,
  security: [],
  middleware: limitJsonBody,
  summary: "Register (deprecated: use POST /v1/auth/register)",
  description: "Creates the account; the original frontend then shows its login page. Same rules as /v1.",
  request: { body: jsonBody(LegacyCredentialsSchema, credentials) },
  responses: {
    201: jsonContent(LegacyRegisteredSchema, "Registered."),
    ...legacyErrors(400, 403, 409, 413, 429, 503),
  },
});

export const legacyLogin = createRoute({
  operationId: "legacyLogin",
  method: "post",
  path: "/api/login",
  tags,
  deprecated: true,
  security: [],
  middleware: limitJsonBody,
  summary: "Log in (deprecated: use POST /v1/auth/login)",
  description:
    "A one-hour token for the /api/* routes only (never accepted on /v1), revocable with the session it opens. " +
    "Its payload segment is valid base64 as well as base64url, so `atob` can read `sub` from it.",
  request: { body: jsonBody(LegacyCredentialsSchema, credentials) },
  responses: {
    200: jsonContent(LegacyLoggedInSchema, "Logged in."),
    ...legacyErrors(400, 401, 403, 413, 429, 503),
  },
});

export const legacyUpload = createRoute({
  operationId: "legacyUpload",
  method: "post",
  path: "/api/upload",
  tags,
  deprecated: true,
  security: bearer,
  middleware: [requireLegacyAuth, limitUploadSize],
  summary: "Upload an image (deprecated: use POST /v1/images)",
  description: "Multipart `image` (and `userId`, which must be the token's user or absent). Same checks as /v1.",
  request: { body: { required: true, content: { "multipart/form-data": { schema: LegacyUploadSchema } } } },
  responses: {
    200: jsonContent(LegacyUploadedSchema, "Stored (or already there) and tagged."),
    ...legacyErrors(400, 401, 403, 413, 415, 422),
  },
});

export const legacyImages = createRoute({
  operationId: "legacyImages",
  method: "get",
  path: "/api/images",
  tags,
  deprecated: true,
  security: bearer,
  middleware: requireLegacyAuth,
  summary: "Your images (deprecated: use GET /v1/images)",
  description: "The newest `LEGACY_MAX_IMAGES` (100) images; `data` is a signed link, not inline base64.",
  responses: {
    200: jsonContent(LegacyImagesSchema, "The images."),
    ...legacyErrors(401),
  },
});

export const legacySearch = createRoute({
  operationId: "legacySearch",
  method: "post",
  path: "/api/search",
  tags,
  deprecated: true,
  security: bearer,
  middleware: [limitJsonBody, requireLegacyAuth],
  summary: "Search by tag (deprecated: use GET /v1/images/search)",
  description: "Tag search as /v1 does it (word prefixes, broad terms), not the original substring match.",
  request: { body: jsonBody(LegacySearchSchema, { query: "dog" }) },
  responses: {
    200: jsonContent(LegacyImagesSchema, "Matching images, best first."),
    ...legacyErrors(400, 401, 413),
  },
});
