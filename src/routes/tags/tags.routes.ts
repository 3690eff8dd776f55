import { createRoute, z } from "@hono/zod-openapi";
import { jsonContent } from "../http/openapi-helpers";
import { problemResponses } from "../http/problem";
import { requireAuth } from "../http/require-auth";

export const TagCountListSchema = z
  .object({
    items: z.array(
      z.object({
        label: z.string().openapi({ example: "golden retriever" }),
        count: z.number().int().openapi({ description: "How many of the user's images carry the tag.", example: 12 }),
      }),
    ),
  })
  .openapi("TagCountList");

export const listTags = createRoute({
  operationId: "listTags",
  method: "get",
  path: "/v1/tags",
  tags: ["Tags"],
  summary: "The user's tags with counts",
  description: "Most used first. With `prefix`, only tags starting with it (case-insensitive), for autocomplete.",
  security: [{ bearerAuth: [] }],
  middleware: requireAuth,
  request: {
    query: z.object({
      prefix: z.string().max(64).optional().openapi({ example: "gol" }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: jsonContent(TagCountListSchema, "Tags and how many images carry each."),
    ...problemResponses(400, 401),
  },
});
