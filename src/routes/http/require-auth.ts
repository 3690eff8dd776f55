import { createMiddleware } from "hono/factory";
import { authenticate } from "../../auth/authenticate";
import type { AppEnv } from "./app-env";
import { authDeps } from "./service-deps";

/** Puts the verified caller on the context (`c.var.auth`), or answers 401. */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  c.set("auth", await authenticate(authDeps(c), c.req.header("authorization")));
  await next();
});
