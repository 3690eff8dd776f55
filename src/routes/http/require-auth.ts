import { createMiddleware } from "hono/factory";
import { authenticate } from "../../auth/authenticate";
import type { AppEnv } from "./app-env";

/** Puts the verified caller on the context (`c.var.auth`), or answers 401. */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  c.set("auth", await authenticate({ db: c.env.DB, config: c.var.config }, c.req.header("authorization")));
  await next();
});
