import { env } from "cloudflare:workers";
import { type Config, getConfig } from "../../src/lib/config";

/** The Worker's configuration in tests: the schema's defaults plus the bindings vitest sets (vitest.shared.ts). */
export function testConfig(): Config {
  return getConfig(env);
}
