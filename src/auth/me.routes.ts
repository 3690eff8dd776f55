import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { chain, limitJsonBody, requireAuth } from "../routes/middleware";
import { jsonBody, jsonContent } from "../routes/openapi";
import { problemResponses } from "../routes/problem";
import { UserSchema } from "./auth.routes";
import { PASSWORD_MAX_CHARACTERS, PASSWORD_MIN_CHARACTERS } from "./password-policy";

export const ChangePasswordSchema = z
  .strictObject({
    currentPassword: z.string().max(PASSWORD_MAX_CHARACTERS).openapi({ example: "correct horse battery staple" }),
    newPassword: z.string().openapi({
      description: `At least ${PASSWORD_MIN_CHARACTERS} characters (any Unicode, up to ${PASSWORD_MAX_CHARACTERS}); the most common passwords are refused.`,
      example: "a different horse, battery and staple",
    }),
  })
  .openapi("ChangePasswordRequest");

export const DeleteAccountSchema = z
  .strictObject({
    password: z.string().max(PASSWORD_MAX_CHARACTERS).openapi({ example: "correct horse battery staple" }),
  })
  .openapi("DeleteAccountRequest");

export const LoginSessionSchema = z
  .object({
    id: z.string().openapi({ example: "ses_2mT0Xq9bV4sLr8cW1yZ3Aa" }),
    device: z.string().openapi({ description: "From the User-Agent at sign-in.", example: "Firefox on Windows" }),
    createdAt: z.iso.datetime().openapi({ description: "When this login happened." }),
    lastUsedAt: z.iso.datetime().openapi({ description: "The sign-in or the latest token refresh." }),
    current: z.boolean().openapi({ description: "Whether this is the session making the request." }),
  })
  .openapi("Session");

export const LoginSessionListSchema = z.object({ items: z.array(LoginSessionSchema) }).openapi("SessionList");

export const LoginSessionIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "ses_2mT0Xq9bV4sLr8cW1yZ3Aa" }),
});

export const getMeRoute = createRoute({
  operationId: "getMe",
  method: "get",
  path: "/v1/me",
  tags: ["Users"],
  summary: "The signed-in user",
  security: [{ bearerAuth: [] }],
  middleware: requireAuth,
  responses: {
    200: jsonContent(UserSchema, "The user the access token belongs to."),
    ...problemResponses(401),
  },
});

const bearer = { security: [{ bearerAuth: [] }], middleware: requireAuth };

export const changePasswordRoute = createRoute({
  operationId: "changePassword",
  method: "post",
  path: "/v1/me/password",
  tags: ["Users"],
  security: bearer.security,
  middleware: chain(limitJsonBody, requireAuth),
  summary: "Change the password",
  description:
    "Needs the current password. Every other session of the user ends at once (their access and refresh tokens " +
    "stop working); this one goes on. Wrong current passwords are limited like failed logins.",
  request: {
    body: jsonBody(ChangePasswordSchema, {
      currentPassword: "correct horse battery staple",
      newPassword: "a different horse, battery and staple",
    }),
  },
  responses: {
    204: { description: "Changed; the other sessions are ended." },
    ...problemResponses(400, 401, 403, 413, 429),
  },
});

export const listLoginSessionsRoute = createRoute({
  operationId: "listSessions",
  method: "get",
  path: "/v1/me/sessions",
  tags: ["Users"],
  ...bearer,
  summary: "Your logins",
  description: "Every session of the user that still works, most recently used first, with the device it is on.",
  responses: {
    200: jsonContent(LoginSessionListSchema, "The active sessions."),
    ...problemResponses(401),
  },
});

export const endLoginSessionRoute = createRoute({
  operationId: "endSession",
  method: "delete",
  path: "/v1/me/sessions/{id}",
  tags: ["Users"],
  ...bearer,
  summary: "End a login",
  description: "Its access and refresh tokens stop working at once. Ending the current session signs out.",
  request: { params: LoginSessionIdParamSchema },
  responses: {
    204: { description: "Ended." },
    ...problemResponses(400, 401, 404),
  },
});

export const deleteAccountRoute = createRoute({
  operationId: "deleteAccount",
  method: "delete",
  path: "/v1/me",
  tags: ["Users"],
  security: bearer.security,
  middleware: chain(limitJsonBody, requireAuth),
  summary: "Delete the account",
  description:
    "Needs the password. Deletes the user and everything of theirs: every image and derived file, tags, search " +
    "entries, sessions and tokens. It cannot be undone.",
  request: { body: jsonBody(DeleteAccountSchema, { password: "correct horse battery staple" }) },
  responses: {
    204: { description: "Deleted." },
    ...problemResponses(400, 401, 403, 413, 429),
  },
});
