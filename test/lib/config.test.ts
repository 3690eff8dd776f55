import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ConfigError, getConfig } from "../../src/lib/config";

describe("configuration", () => {
  it("refuses a missing or short signing secret with an error naming it", () => {
    const { JWT_SECRET: _, ...withoutSecret } = env;
    expect(() => getConfig({ ...withoutSecret } as Env)).toThrow(ConfigError);
    expect(() => getConfig({ ...withoutSecret } as Env)).toThrow(/JWT_SECRET is not set/);
    expect(() => getConfig({ ...env, PASSWORD_PEPPER: "short" })).toThrow(/PASSWORD_PEPPER must be at least 32 bytes/);
  });

  it("refuses an unknown tagger rather than silently picking one", () => {
    expect(() => getConfig({ ...env, TAGGER: "mock" })).toThrow(/TAGGER/);
  });

  it("reads the test environment", () => {
    expect(getConfig(env)).toMatchObject({ TAGGER: "workers-ai", MAX_UPLOAD_BYTES: 10 * 1024 * 1024 });
  });
});
