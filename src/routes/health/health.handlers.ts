import type { RouteHandler } from "@hono/zod-openapi";
import { checkHealth } from "../../health/check-health";
import { API_VERSION } from "../../lib/version";
import type { AppEnv } from "../http/app-env";
import type { getHealth } from "./health.routes";

export const getHealthHandler: RouteHandler<typeof getHealth, AppEnv> = async (c) => {
  const { healthy, checks, problems } = await checkHealth(c.env);
  const body = { status: healthy ? ("ok" as const) : ("degraded" as const), version: API_VERSION, checks, problems };
  return healthy ? c.json(body, 200) : c.json(body, 503);
};
