import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { limitJsonBody, requireAuth } from "../routes/middleware";
import { jsonBody, jsonContent } from "../routes/openapi";
import { problemResponses } from "../routes/problem";
import { PASSWORD_MAX_CHARACTERS, PASSWORD_MIN_CHARACTERS } from "./password-policy";
import { TURNSTILE_TOKEN_MAX_CHARS } from "./turnstile";

export const UserSchema = z
  .object({
    id: z.string().openapi({ example: "usr_3kTMd9w2XcQmWq0bR1yZ7A" }),
    email: z.email().openapi({ example: "ada@example.com" }),
    createdAt: z.iso.datetime().openapi({ example: "2026-11-25T12:00:00.000Z" }),
  })
  .openapi("User");

export const TokensSchema = z
  .object({
    tokenType: z.literal("Bearer"),
    accessToken: z.string().openapi({ description: "JWT (HS256), sent as `Authorization: Bearer <accessToken>`." }),
    expiresIn: z.number().int().openapi({ description: "Seconds until the access token expires.", example: 900 }),
    refreshToken: z.string().openapi({
      description:
        "Opaque, spent by its first use at /v1/auth/refresh (reused within 10 s: the same successor; later: the session is revoked).",
    }),
    refreshTokenExpiresAt: z.iso
      .datetime()
      .openapi({ description: "End of the session: refreshing does not extend it." }),
  })
  .openapi("Tokens");

const DeviceTokenSchema = z
  .string()
  .max(512)
  .openapi({
    description:
      "Marks this device as one that signed in successfully. Keep it (it lasts a year) and send it with later " +
      "logins: failed attempts on the account from elsewhere then never lock this device out.",
  });

export const AuthResultSchema = z
  .object({ user: UserSchema, tokens: TokensSchema, deviceToken: DeviceTokenSchema })
  .openapi("AuthResult");

const TurnstileTokenSchema = z
  .string()
  .min(1)
  .max(TURNSTILE_TOKEN_MAX_CHARS)
  .optional()
  .openapi({
    description:
      "The token of a Cloudflare Turnstile challenge rendered with the site key from GET /v1/auth/config. Required " +
      "whenever that says `turnstile.enabled`; single use, valid for 300 seconds.",
    example: "XXXX.DUMMY.TOKEN.XXXX",
  });

const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "Enter a valid email address." }).max(254))
  .openapi({ example: "ada@example.com", description: "Trimmed and compared case-insensitively." });

export const RegisterBodySchema = z
  .strictObject({
    email: EmailSchema,
    password: z.string().openapi({
      description: `At least ${PASSWORD_MIN_CHARACTERS} characters (any Unicode, up to ${PASSWORD_MAX_CHARACTERS}); the most common passwords are refused. No composition rules.`,
      example: "correct horse battery staple",
    }),
    turnstileToken: TurnstileTokenSchema,
  })
  .openapi("RegisterRequest");

export const LoginBodySchema = z
  .strictObject({
    email: EmailSchema,
    password: z.string().max(PASSWORD_MAX_CHARACTERS).openapi({ example: "correct horse battery staple" }),
    turnstileToken: TurnstileTokenSchema,
    deviceToken: DeviceTokenSchema.optional(),
  })
  .openapi("LoginRequest");

export const RefreshBodySchema = z
  .strictObject({
    refreshToken: z.string().min(1).max(200).openapi({ example: "n0Tq3m2c9h1G8v5yUeWkR4aXzPbL7sJdQfY6tC0iM2o" }),
  })
  .openapi("RefreshRequest");

export const AuthConfigSchema = z
  .object({
    turnstile: z.object({
      enabled: z.boolean().openapi({ description: "Whether register and login need a `turnstileToken`." }),
      siteKey: z
        .string()
        .nullable()
        .openapi({ description: "Render the Turnstile widget with this key.", example: "1x00000000000000000000AA" }),
    }),
  })
  .openapi("AuthConfig");

const tags = ["Auth"];

export const registerRoute = createRoute({
  operationId: "register",
  method: "post",
  path: "/v1/auth/register",
  tags,
  security: [],
  middleware: limitJsonBody,
  summary: "Create an account",
  description: "Creates a user and signs them in: the response carries an access token and a refresh token.",
  request: {
    body: jsonBody(RegisterBodySchema, { email: "ada@example.com", password: "correct horse battery staple" }),
  },
  responses: {
    201: jsonContent(AuthResultSchema, "The new user, signed in."),
    ...problemResponses(400, 403, 409, 413, 429, 503),
  },
});

export const loginRoute = createRoute({
  operationId: "login",
  method: "post",
  path: "/v1/auth/login",
  tags,
  security: [],
  middleware: limitJsonBody,
  summary: "Sign in",
  description:
    "Exchanges email and password for a new session. An unknown email and a wrong password get the same answer. " +
    "Attempts are limited per IP and per account; over the limit the answer is 429 with `Retry-After`.",
  request: { body: jsonBody(LoginBodySchema, { email: "ada@example.com", password: "correct horse battery staple" }) },
  responses: {
    200: jsonContent(AuthResultSchema, "Signed in."),
    ...problemResponses(400, 401, 403, 413, 429, 503),
  },
});

export const refreshTokensRoute = createRoute({
  operationId: "refreshTokens",
  method: "post",
  path: "/v1/auth/refresh",
  tags,
  security: [],
  middleware: limitJsonBody,
  summary: "Rotate the refresh token",
  description:
    "Exchanges a refresh token for a new access token and a new refresh token. Each refresh token is spent by " +
    "its first use. Presented again within 10 seconds (two tabs refreshing at once, a retried request), it " +
    "returns the same new refresh token, as long as that one is unspent; presented later, it is treated as " +
    "theft and revokes the whole session.",
  request: { body: jsonBody(RefreshBodySchema, { refreshToken: "n0Tq3m2c9h1G8v5yUeWkR4aXzPbL7sJdQfY6tC0iM2o" }) },
  responses: {
    200: jsonContent(TokensSchema, "A fresh token pair; the presented refresh token is now spent."),
    ...problemResponses(400, 401, 413, 429),
  },
});

export const logoutRoute = createRoute({
  operationId: "logout",
  method: "post",
  path: "/v1/auth/logout",
  tags,
  summary: "Sign out",
  description: "Revokes the current session: its access tokens and refresh tokens stop working at once.",
  security: [{ bearerAuth: [] }],
  middleware: requireAuth,
  responses: {
    204: { description: "The session is revoked." },
    ...problemResponses(401),
  },
});

export const getAuthConfigRoute = createRoute({
  operationId: "getAuthConfig",
  method: "get",
  path: "/v1/auth/config",
  tags,
  security: [],
  summary: "What a sign-in form needs",
  description:
    "Whether register and login need a Cloudflare Turnstile token, and the site key to render the challenge " +
    "with, so no frontend hard-codes one.",
  responses: {
    200: jsonContent(AuthConfigSchema, "The sign-in configuration."),
    ...problemResponses(),
  },
});
