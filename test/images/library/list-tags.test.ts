import { describe, expect, it } from "vitest";
import type { ImagifyClient } from "../../../openapi/client";
import {
  updateImageTagsRoute as patchImageTags,
  searchImagesRoute as searchImages,
} from "../../../src/images/images.routes";
import { listTagsRoute as listTags } from "../../../src/images/tags.routes";
import { call, signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import { bearer, uniqueImage, uploadLabelled } from "../../helpers/images";
import { seedImage } from "../../helpers/seed";

function tags(client: ImagifyClient, query: { prefix?: string; limit?: number } = {}) {
  return client.GET("/v1/tags", { params: { query } });
}

async function broader(client: ImagifyClient, prefix?: string, limit?: number) {
  const query = { ...(prefix === undefined ? {} : { prefix }), ...(limit === undefined ? {} : { limit }) };
  return (await expectContract(listTags, 200, await tags(client, query))).broaderTerms;
}

/** How many images GET /v1/images/search finds for `q` (all on one page). */
async function searchCount(client: ImagifyClient, q: string): Promise<number> {
  const page = await expectContract(
    searchImages,
    200,
    await client.GET("/v1/images/search", { params: { query: { q, limit: 100 } } }),
  );
  expect(page.nextCursor).toBeNull();
  return page.items.length;
}

/** A signed-in user with one image per label (seeded rows and search documents, no upload). */
async function userWith(labels: string[]) {
  const signedIn = await signedInClient();
  for (const label of labels) await seedImage(signedIn.user.id, [[label, 0.7]]);
  return signedIn;
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

describe("GET /v1/tags: broaderTerms", () => {
  it("with a prefix, lists the broader words of the user's labels with how many images a search for each finds", async () => {
    const { client } = await userWith(["golden retriever", "border collie", "tabby"]);

    const dog = await expectContract(listTags, 200, await tags(client, { prefix: "do" }));
    expect(dog.items).toEqual([]);
    expect(dog.broaderTerms).toEqual([
      { term: "domestic", count: 3 },
      { term: "dog", count: 2 },
    ]);
    expect(await broader(client, "ca")).toEqual([
      { term: "carnivore", count: 3 },
      { term: "canine", count: 2 },
      { term: "cat", count: 1 },
    ]);
    // Case-insensitive and trimmed like the labels; limit caps the list after ordering.
    expect(await broader(client, "  DO ")).toEqual(dog.broaderTerms);
    expect(await broader(client, "ca", 2)).toEqual([
      { term: "carnivore", count: 3 },
      { term: "canine", count: 2 },
    ]);
    // Whole words only: no broader word of these labels starts with "dogs" or "ret" ("retriever" is the label's own).
    expect(await broader(client, "dogs")).toEqual([]);
    expect(await broader(client, "ret")).toEqual([]);
    // The counts are what search finds.
    for (const { term, count } of [...dog.broaderTerms, ...(await broader(client, "ca"))]) {
      expect(await searchCount(client, term), term).toBe(count);
    }
  });

  it("another user's images never count, and the other user sees only their own", async () => {
    const { client } = await userWith(["golden retriever", "border collie", "tabby"]);
    const other = await userWith(["golden retriever", "whippet", "dog", "persian cat", "tabby"]);

    expect(await broader(client, "do")).toEqual([
      { term: "domestic", count: 3 },
      { term: "dog", count: 2 },
    ]);
    expect(await broader(client, "ca")).toEqual([
      { term: "carnivore", count: 3 },
      { term: "canine", count: 2 },
      { term: "cat", count: 1 },
    ]);
    expect(await broader(other.client, "do")).toEqual([
      { term: "domestic", count: 5 },
      { term: "dog", count: 3 },
    ]);
  });

  it("rejected tags don't count, nor do their broader words appear", async () => {
    const { client, user } = await signedInClient();
    await seedImage(user.id, [
      ["golden retriever", 0.9, { rejected: true }],
      ["tennis ball", 0.3],
    ]);
    expect(await broader(client, "do")).toEqual([]);

    await seedImage(user.id, [
      ["border collie", 0.8, { rejected: true }],
      ["tabby", 0.5],
    ]);
    expect(await broader(client, "do")).toEqual([{ term: "domestic", count: 1 }]);
    expect(await broader(client, "ca")).toEqual([
      { term: "carnivore", count: 1 },
      { term: "cat", count: 1 },
    ]);
  });

  it("is empty without a prefix (or with a blank one), whatever the user has", async () => {
    const { client } = await userWith(["golden retriever", "tabby"]);
    const all = await expectContract(listTags, 200, await tags(client));
    expect(all.items).toHaveLength(2);
    expect(all.broaderTerms).toEqual([]);
    expect(await broader(client, "")).toEqual([]);
    expect(await broader(client, "   ")).toEqual([]);
    expect(await broader(client, "d")).not.toEqual([]);
  });

  it("a prefix with % or _ matches literally", async () => {
    const { client } = await userWith(["golden retriever", "border collie", "tabby"]);
    for (const prefix of ["%", "_", "d%", "do_", "_og", "%og", "\\", '"do', "do*"]) {
      expect(await broader(client, prefix), prefix).toEqual([]);
    }
    expect(await broader(client, "dog")).toEqual([{ term: "dog", count: 2 }]);
  });

  it("a word that is also a label is listed when it is broader than another label, counting both", async () => {
    // "dog": the detector's label, and broader than "golden retriever". "hot dog" holds the word; "dogsled" only
    // starts with it (search finds it, the count leaves it out, as documented).
    const { client } = await userWith(["dog", "golden retriever", "hot dog", "dogsled"]);
    const res = await expectContract(listTags, 200, await tags(client, { prefix: "dog" }));
    expect(res.items).toEqual([
      { label: "dog", count: 1 },
      { label: "dogsled", count: 1 },
    ]);
    expect(res.broaderTerms).toEqual([{ term: "dog", count: 3 }]);
    expect(await searchCount(client, "dog")).toBe(4);

    // Only the detector's "dog": nothing is broader than it, so it stays in items only.
    const { client: plain } = await userWith(["dog"]);
    expect(await broader(plain, "dog")).toEqual([]);
  });
});
