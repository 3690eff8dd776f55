import type { RouteHandler } from "@hono/zod-openapi";
import { findUserById, toUser } from "../../auth/users";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/problem";
import type { getMe } from "./me.routes";

export const getMeHandler: RouteHandler<typeof getMe, AppEnv> = async (c) => {
  const user = await findUserById(c.env.DB, c.var.auth.userId);
  if (!user) throw new ApiError("unauthorized", "The account no longer exists.");
  return c.json(toUser(user), 200);
};
