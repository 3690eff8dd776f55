import { createRoute } from "@hono/zod-openapi";
import { limitJsonBody } from "../http/body-limits";
import { jsonBody, jsonContent } from "../http/openapi-helpers";
import { problemResponses } from "../http/problem";
import { requireAuth } from "../http/require-auth";
import {
  AuthConfigSchema,
  AuthResultSchema,
  LoginBodySchema,
  RefreshBodySchema,
  RegisterBodySchema,
  TokensSchema,
} from "./auth.schemas";

const tags = ["Auth"];

export const register = createRoute({
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

export const login = createRoute({
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

export const refresh = createRoute({
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

export const logout = createRoute({
  operationId: "logout",
  method: "post",
  path: "/v1/auth/logout",
  tags,
  summary: "Sign out",
  description: "Revokes the current session: its access tokens and refresh tokens stop working at once.",
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth] as const,
  responses: {
    204: { description: "The session is revoked." },
    ...problemResponses(401),
  },
});

export const getAuthConfig = createRoute({
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
