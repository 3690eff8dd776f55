import { env } from "cloudflare:workers";
import { expect, it } from "vitest";

it("applies the migrations to D1", async () => {
  const { results } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'images'",
  ).all();
  expect(results).toHaveLength(1);
});
