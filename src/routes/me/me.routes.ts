import { createRoute } from "@hono/zod-openapi";
import { UserSchema } from "../auth/auth.schemas";
import { limitJsonBody } from "../http/body-limits";
import { jsonBody, jsonContent } from "../http/openapi-helpers";
import { problemResponses } from "../http/problem";
import { requireAuth } from "../http/require-auth";
import { ChangePasswordSchema, DeleteAccountSchema, SessionIdParamSchema, SessionListSchema } from "./me.schemas";

export const getMe = createRoute({
  operationId: "getMe",
  method: "get",
  path: "/v1/me",
  tags: ["Users"],
  summary: "The signed-in user",
  security: [{ bearerAuth: [] }],
  middleware: [requireAuth] as const,
  responses: {
    200: jsonContent(UserSchema, "The user the access token belongs to."),
    ...problemResponses(401),
  },
});

const bearer = { security: [{ bearerAuth: [] }], middleware: requireAuth };

export const changePassword = createRoute({
  operationId: "changePassword",
  method: "post",
  path: "/v1/me/password",
  tags: ["Users"],
  security: bearer.security,
  middleware: [limitJsonBody, requireAuth],
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

export const listSessions = createRoute({
  operationId: "listSessions",
  method: "get",
  path: "/v1/me/sessions",
  tags: ["Users"],
  ...bearer,
  summary: "Your logins",
  description: "Every session of the user that still works, most recently used first, with the device it is on.",
  responses: {
    200: jsonContent(SessionListSchema, "The active sessions."),
    ...problemResponses(401),
  },
});

export const endSession = createRoute({
  operationId: "endSession",
  method: "delete",
  path: "/v1/me/sessions/{id}",
  tags: ["Users"],
  ...bearer,
  summary: "End a login",
  description: "Its access and refresh tokens stop working at once. Ending the current session signs out.",
  request: { params: SessionIdParamSchema },
  responses: {
    204: { description: "Ended." },
    ...problemResponses(400, 401, 404),
  },
});

export const deleteAccount = createRoute({
  operationId: "deleteAccount",
  method: "delete",
  path: "/v1/me",
  tags: ["Users"],
  security: bearer.security,
  middleware: [limitJsonBody, requireAuth],
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
