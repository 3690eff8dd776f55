import { expect, it } from "vitest";
import packageJson from "../../package.json";
import { getHealthRoute as getHealth } from "../../src/meta/meta.routes";
import { call } from "../helpers/client";
import { expectContract } from "../helpers/contract";

it("/health reports configuration, D1 and R2 as ok, with the package version", async () => {
  const health = await expectContract(getHealth, 200, await call("/health"));
  expect(health).toEqual({
    status: "ok",
    version: packageJson.version,
    // The test environment runs with bot protection in its named "off" mode (vitest.shared.ts).
    checks: { config: "ok", d1: "ok", r2: "ok", turnstile: "off" },
    problems: [],
  });
});
