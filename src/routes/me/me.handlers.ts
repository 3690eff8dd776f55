import type { RouteHandler } from "@hono/zod-openapi";
import { getCurrentUser } from "../../auth/current-user";
import { presentUser } from "../auth/auth.presenters";
import type { AppEnv } from "../http/app-env";
import type { getMe } from "./me.routes";

export const getMeHandler: RouteHandler<typeof getMe, AppEnv> = async (c) => {
  return c.json(presentUser(await getCurrentUser(c.env.DB, c.var.auth)), 200);
};
