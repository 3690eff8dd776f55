import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../../auth/require-auth";
import { jsonContent } from "../../lib/openapi-helpers";
import { problemResponses } from "../../lib/problem";
import { UserSchema } from "../auth/auth.schemas";

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
