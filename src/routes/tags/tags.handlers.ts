import type { RouteHandler } from "@hono/zod-openapi";
import { normaliseLabel } from "../../images/tagger";
import type { AppEnv } from "../../lib/env";
import type { listTags } from "./tags.routes";

export const listTagsHandler: RouteHandler<typeof listTags, AppEnv> = async (c) => {
  const { prefix, limit } = c.req.valid("query");
  const start = normaliseLabel(prefix ?? "");
  // A range on the (user_id, label) index instead of LIKE: no wildcard escaping, and it stays an index seek.
  const { results } = await c.env.DB.prepare(
    `SELECT label, COUNT(*) AS count FROM image_tags
     WHERE user_id = ?1 AND rejected = 0 AND label >= ?2 AND label < ?2 || char(1114111)
     GROUP BY label ORDER BY count DESC, label LIMIT ?3`,
  )
    .bind(c.var.auth.userId, start, limit)
    .all<{ label: string; count: number }>();
  return c.json({ items: results }, 200);
};
