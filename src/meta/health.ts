import { getConfig } from "../lib/config";

export type CheckResult = "ok" | "error";

export interface HealthReport {
  healthy: boolean;
  /** `turnstile: "off"` is healthy but reported: the bot check was switched off on purpose. */
  checks: { config: CheckResult; d1: CheckResult; r2: CheckResult; turnstile: CheckResult | "off" };
  /** What is wrong, by name only: never a value. */
  problems: string[];
}

/** Configuration, D1 and R2, each probed once and at the same time; a failing probe is reported, never thrown. */
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
  const [config, d1, r2] = await Promise.all([
    probe("config", async () => getConfig(env)),
    probe("D1", () => env.DB.prepare("SELECT 1").first()),
    probe("R2", () => env.BUCKET.head("health-probe")),
  ]);
  const checks = { config, d1, r2, turnstile: turnstileCheck(env, problems) };
  return { healthy: problems.length === 0, checks, problems };
}

function turnstileCheck(env: Env, problems: string[]): CheckResult | "off" {
  let config: ReturnType<typeof getConfig>;
  try {
    config = getConfig(env);
  } catch {
    return "error"; // already reported by the config check
  }
  if (config.TURNSTILE === "off") return "off";
  if (config.TURNSTILE_SECRET_KEY) return "ok";
  problems.push('TURNSTILE is "on" but TURNSTILE_SECRET_KEY is not set: register and login answer 503');
  return "error";
}
