import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { requireAuthInLibrary } from "../routes/middleware";
import { jsonContent } from "../routes/openapi";
import { problemResponses } from "../routes/problem";

export const TagCountListSchema = z
  .object({
    items: z.array(
      z.object({
        label: z.string().openapi({ example: "golden retriever" }),
        count: z.number().int().openapi({ description: "How many of the user's images carry the tag.", example: 12 }),
      }),
    ),
    broaderTerms: z
      .array(
        z.object({
          term: z.string().openapi({ description: "One lower-case word.", example: "dog" }),
          count: z.number().int().openapi({
            description:
              "How many of the user's images a search for the word finds: those with a visible tag the word is broader than, or a visible tag that holds the word (`dog`, `hot dog`). Images that search finds only because the word begins a longer one (`dogsled`) are not counted.",
            example: 31,
          }),
        }),
      )
      .openapi({
        description:
          "Broader words (WordNet ancestors of the user's labels, e.g. `dog` for `golden retriever`) starting with `prefix`, with how many images a search for them finds. Most images first, then by word; at most `limit`. Empty without `prefix`. A word that is also one of the user's labels in `items` (`dog`, from the detector) is listed here too when it is broader than another of their labels, and its count includes the images with that label.",
      }),
  })
  .openapi("TagCountList");

export const listTagsRoute = createRoute({
  operationId: "listTags",
  method: "get",
  path: "/v1/tags",
  tags: ["Tags"],
  summary: "The user's tags with counts",
  description:
    "Most used first. With `prefix`, only tags starting with it (case-insensitive), for autocomplete, and in `broaderTerms` the broader words starting with it that a search would find the user's images for (`dog` finds a `golden retriever`).",
  security: [{ bearerAuth: [] }],
  middleware: requireAuthInLibrary,
  request: {
    query: z.object({
      prefix: z.string().max(64).optional().openapi({ example: "gol" }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: jsonContent(TagCountListSchema, "Tags and how many images carry each; with `prefix`, also broader words."),
    ...problemResponses(400, 401),
  },
});
