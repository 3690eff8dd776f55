import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { PASSWORD_MAX_CHARACTERS } from "../auth/password-policy";
import { TURNSTILE_TOKEN_MAX_CHARS } from "../auth/turnstile";
import { chain, limitJsonBody, limitUploadSize } from "../routes/middleware";
import { jsonBody, jsonContent } from "../routes/openapi";
import { legacyErrors, requireLegacyAuth } from "./legacy-layer";

// The exact shapes the deployed frontend reads. Fields it never sent are ignored, as the original did.

const Email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "Enter a valid email address." }).max(254));

export const LegacyCredentialsSchema = z
  .object({
    email: Email,
    password: z.string().max(PASSWORD_MAX_CHARACTERS * 2),
    turnstileToken: z.string().min(1).max(TURNSTILE_TOKEN_MAX_CHARS).optional(),
  })
  .openapi("LegacyCredentials");

export const LegacyUploadSchema = z
  .object({
    image: z
      .instanceof(File, { error: "Send the image as a file in the multipart field `image`." })
      .openapi({ type: "string", format: "binary" }),
    userId: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: "Ignored when it is the token's user; refused (403) otherwise." }),
  })
  .openapi("LegacyUpload");

export const LegacySearchSchema = z.object({ query: z.string().max(1024) }).openapi("LegacySearch");

const LegacyImageSchema = z
  .object({
    id: z.string(),
    filename: z.string(),
    data: z.url().openapi({
      description: "Absolute, signed, expiring link to the file: renders as `<img src>`, and downloads under its name.",
    }),
  })
  .openapi("LegacyImage");

export const LegacyRegisteredSchema = z
  .object({ success: z.literal(true), message: z.string() })
  .openapi("LegacyRegistered");
export const LegacyLoggedInSchema = z
  .object({
    success: z.literal(true),
    token: z.string().openapi({ description: "Send as `Authorization: Bearer <token>`; valid for one hour." }),
  })
  .openapi("LegacyLoggedIn");
export const LegacyUploadedSchema = z
  .object({ success: z.literal(true), tags: z.array(z.string()), image: LegacyImageSchema })
  .openapi("LegacyUploaded");
export const LegacyImagesSchema = z
  .object({ success: z.literal(true), images: z.array(LegacyImageSchema) })
  .openapi("LegacyImages");

const tags = ["Legacy"];
const bearer = [{ legacyBearer: [] }];
const credentials = { email: "ada@example.com", password: "correct horse battery staple" };

export const legacyRegisterRoute = createRoute({
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

export const legacyLoginRoute = createRoute({
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

export const legacyUploadRoute = createRoute({
  operationId: "legacyUpload",
  method: "post",
  path: "/api/upload",
  tags,
  deprecated: true,
  security: bearer,
  middleware: chain(requireLegacyAuth, limitUploadSize),
  summary: "Upload an image (deprecated: use POST /v1/images)",
  description: "Multipart `image` (and `userId`, which must be the token's user or absent). Same checks as /v1.",
  request: { body: { required: true, content: { "multipart/form-data": { schema: LegacyUploadSchema } } } },
  responses: {
    200: jsonContent(LegacyUploadedSchema, "Stored (or already there) and tagged."),
    ...legacyErrors(400, 401, 403, 413, 415, 422),
  },
});

export const legacyImagesRoute = createRoute({
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

export const legacySearchRoute = createRoute({
  operationId: "legacySearch",
  method: "post",
  path: "/api/search",
  tags,
  deprecated: true,
  security: bearer,
  middleware: chain(limitJsonBody, requireLegacyAuth),
  summary: "Search by tag (deprecated: use GET /v1/images/search)",
  description: "Tag search as /v1 does it (word prefixes, broad terms), not the original substring match.",
  request: { body: jsonBody(LegacySearchSchema, { query: "dog" }) },
  responses: {
    200: jsonContent(LegacyImagesSchema, "Matching images, best first."),
    ...legacyErrors(400, 401, 413),
  },
});
