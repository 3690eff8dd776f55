import { describe, expect, it } from "vitest";
import type { ImagifyClient } from "../../../openapi/client";
import { patchImageTags } from "../../../src/routes/images/images.routes";
import { listTags } from "../../../src/routes/tags/tags.routes";
import { call, signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import { bearer, uniqueImage, uploadLabelled } from "../../helpers/images";

function tags(client: ImagifyClient, query: { prefix?: string; limit?: number } = {}) {
  return client.GET("/v1/tags", { params: { query } });
}

describe("GET /v1/tags", () => {
  it("counts each label across the user's images, most used first; prefix filters; rejected and other users' tags are excluded", async () => {
    const { client } = await signedInClient();
    const other = await signedInClient();
    const one = await uploadLabelled(client, uniqueImage("tiny.png"), [
      { label: "GOLDEN RETRIEVER", score: 0.8 },
      { label: "TENNIS BALL", score: 0.1 },
    ]);
    await uploadLabelled(client, uniqueImage("tiny.gif"), [
      { label: "GOLDEN RETRIEVER", score: 0.6 },
      { label: "GOLDFISH", score: 0.2 },
    ]);
    await uploadLabelled(client, uniqueImage("tiny.jpg"), [
      { label: "GOLDEN RETRIEVER", score: 0.3 },
      { label: "TENNIS BALL", score: 0.3 },
    ]);
    // Another user with overlapping and extra labels: never counted for the first user.
    await uploadLabelled(other.client, uniqueImage("tiny.png"), [
      { label: "GOLDEN RETRIEVER", score: 0.9 },
      { label: "GOLF BALL", score: 0.5 },
    ]);

    const all = await expectContract(listTags, 200, await tags(client));
    expect(all.items).toEqual([
      { label: "golden retriever", count: 3 },
      { label: "tennis ball", count: 2 },
      { label: "goldfish", count: 1 },
    ]);

    const gol = await expectContract(listTags, 200, await tags(client, { prefix: "gol" }));
    expect(gol.items).toEqual([
      { label: "golden retriever", count: 3 },
      { label: "goldfish", count: 1 },
    ]);
    const upper = await expectContract(listTags, 200, await tags(client, { prefix: "  GOLDEN " }));
    expect(upper.items).toEqual([{ label: "golden retriever", count: 3 }]);

    // Rejecting an AI tag on one image takes it out of the count.
    await expectContract(
      patchImageTags,
      200,
      await client.PATCH("/v1/images/{id}/tags", {
        params: { path: { id: one.id } },
        body: { add: ["Fetch"], remove: ["tennis ball"] },
      }),
    );
    const after = await expectContract(listTags, 200, await tags(client));
    expect(after.items).toEqual([
      { label: "golden retriever", count: 3 },
      { label: "fetch", count: 1 },
      { label: "goldfish", count: 1 },
      { label: "tennis ball", count: 1 },
    ]);

    const otherTags = await expectContract(listTags, 200, await tags(other.client));
    expect(otherTags.items).toEqual([
      { label: "golden retriever", count: 1 },
      { label: "golf ball", count: 1 },
    ]);
  });

  it("limit caps the list; a prefix with LIKE wildcards or no match returns nothing; bad parameters are 400", async () => {
    const { client, tokens } = await signedInClient();
    await uploadLabelled(client, uniqueImage("tiny.png"), [
      { label: "ALPHA", score: 0.5 },
      { label: "BETA", score: 0.4 },
      { label: "GAMMA", score: 0.3 },
    ]);
    const limited = await expectContract(listTags, 200, await tags(client, { limit: 2 }));
    expect(limited.items).toEqual([
      { label: "alpha", count: 1 },
      { label: "beta", count: 1 },
    ]);
    for (const prefix of ["%", "_", "a%", "zzz", "\u0000"]) {
      const res = await expectContract(listTags, 200, await tags(client, { prefix }));
      expect(res.items, prefix).toEqual([]);
    }
    const empty = await expectContract(listTags, 200, await tags(client, { prefix: "" }));
    expect(empty.items).toHaveLength(3);
    await expectContract(listTags, 400, await tags(client, { limit: 0 }));
    await expectContract(listTags, 400, await tags(client, { limit: 201 }));
    await expectContract(
      listTags,
      400,
      await call(`/v1/tags?prefix=${"a".repeat(65)}`, { headers: bearer(tokens.accessToken) }),
    );
  });

  it("a new user has no tags", async () => {
    const { client } = await signedInClient();
    const res = await expectContract(listTags, 200, await tags(client));
    expect(res.items).toEqual([]);
  });
});
