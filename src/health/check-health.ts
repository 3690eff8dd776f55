import { getConfig } from "../lib/config";

export type CheckResult = "ok" | "error";

export interface HealthReport {
  healthy: boolean;
  checks: { config: CheckResult; d1: CheckResult; r2: CheckResult };
  /** What is wrong, by name only: never a value. */
  problems: string[];
}

/** Configuration, D1 and R2, each probed once; a failing probe is reported, never thrown. */
export async function checkHealth(env: Env): Promise<HealthReport> {
  const problems: string[] = [];
  const probe = async (name: string, run: () => Promise<unknown>): Promise<CheckResult> => {
    try {
      await run();
      return "ok";
    } catch (error) {
      problems.push(error instanceof Error && error.name === "ConfigError" ? error.message : `${name} is unreachable`);
      return "error";
    }
  };
  const checks = {
    config: await probe("config", async () => getConfig(env)),
    d1: await probe("D1", () => env.DB.prepare("SELECT 1").first()),
    r2: await probe("R2", () => env.BUCKET.head("health-probe")),
  };
  return { healthy: problems.length === 0, checks, problems };
}
