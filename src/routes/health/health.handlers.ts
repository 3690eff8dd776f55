import type { RouteHandler } from "@hono/zod-openapi";
import { getConfig } from "../../lib/config";
import type { AppEnv } from "../../lib/env";
import { API_VERSION } from "../../openapi";
import type { getHealth } from "./health.routes";

async function probe(name: string, problems: string[], run: () => Promise<unknown>): Promise<"ok" | "error"> {
  try {
    await run();
    return "ok";
  } catch (error) {
    problems.push(error instanceof Error && error.name === "ConfigError" ? error.message : `${name} is unreachable`);
    return "error";
  }
}

export const getHealthHandler: RouteHandler<typeof getHealth, AppEnv> = async (c) => {
  const problems: string[] = [];
  const checks = {
    config: await probe("config", problems, async () => getConfig(c.env)),
    d1: await probe("D1", problems, () => c.env.DB.prepare("SELECT 1").first()),
    r2: await probe("R2", problems, () => c.env.BUCKET.head("health-probe")),
  };
  const healthy = problems.length === 0;
  const body = { status: healthy ? ("ok" as const) : ("degraded" as const), version: API_VERSION, checks, problems };
  return healthy ? c.json(body, 200) : c.json(body, 503);
};
