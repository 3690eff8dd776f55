import type { RouteHandler } from "@hono/zod-openapi";
import { listTags } from "../../images/library/list-tags";
import type { AppEnv } from "../http/app-env";
import type { listTags as listTagsRoute } from "./tags.routes";

export const listTagsHandler: RouteHandler<typeof listTagsRoute, AppEnv> = async (c) => {
  return c.json(await listTags(c.env.DB, { userId: c.var.auth.userId, ...c.req.valid("query") }), 200);
};
