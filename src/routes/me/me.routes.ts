import { createRoute } from "@hono/zod-openapi";
import { UserSchema } from "../auth/auth.schemas";
import { jsonContent } from "../http/openapi-helpers";
import { problemResponses } from "../http/problem";
import { requireAuth } from "../http/require-auth";

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
