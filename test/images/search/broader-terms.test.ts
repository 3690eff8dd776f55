import { describe, expect, it } from "vitest";
import { searchImagesRoute as searchImages } from "../../../src/images/images.routes";
import { rankedSearch, type SearchPage } from "../../../src/images/search/ranked-search";
import { signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import { uniqueImage, uploadLabelled } from "../../helpers/images";
import { inLibrary } from "../../helpers/library";
import { seedImage, seedUser } from "../../helpers/seed";

async function ids(userId: string, q: string, match: "all" | "any" = "all"): Promise<string[]> {
  const page = (await inLibrary(userId, (db) => rankedSearch(db, { q, match, limit: 50 }))) as SearchPage;
  return page.hits.map((hit) => hit.id);
}

describe("broad terms find specific labels (WordNet ancestors)", () => {
  it("dog finds a golden retriever and a border collie, not a tabby; cat the reverse", async () => {
    const u = await seedUser();
    const retriever = await seedImage(u, [["golden retriever", 0.9]]);
    const collie = await seedImage(u, [["border collie", 0.6]]);
    const tabby = await seedImage(u, [["tabby", 0.8]]);
    const persian = await seedImage(u, [["persian cat", 0.7]]);

    expect((await ids(u, "dog")).sort()).toEqual([retriever.id, collie.id].sort());
    expect((await ids(u, "cat")).sort()).toEqual([tabby.id, persian.id].sort());
    expect((await ids(u, "animal")).sort()).toEqual([retriever.id, collie.id, tabby.id, persian.id].sort());
  });

  it("vehicle and car find a sports car and a cab; food finds a pizza", async () => {
    const u = await seedUser();
    const sports = await seedImage(u, [["sports car", 0.7]]);
    const cab = await seedImage(u, [["cab", 0.5]]);
    const pizza = await seedImage(u, [["pizza", 0.9]]);
    expect((await ids(u, "car")).sort()).toEqual([sports.id, cab.id].sort());
    expect((await ids(u, "vehicle")).sort()).toEqual([sports.id, cab.id].sort());
    expect(await ids(u, "food")).toEqual([pizza.id]);
  });

  it("covers the detector's COCO labels and user tags that name a known class", async () => {
    const u = await seedUser();
    const cocoDog = await seedImage(u, [["dog", 0.45]]);
    const userTagged = await seedImage(u, [["golden retriever", 1, { source: "user" }]]);
    const motorbike = await seedImage(u, [["motorcycle", 0.48]]);
    expect(await ids(u, "animal")).toContain(cocoDog.id);
    expect(await ids(u, "dog")).toContain(userTagged.id);
    expect(await ids(u, "vehicle")).toEqual([motorbike.id]);
  });

  it("a direct label match ranks above an ancestor match, whatever the confidences", async () => {
    const u = await seedUser();
    // Newest first among ties would favour the breed: it is seeded last.
    const cocoDog = await seedImage(u, [["dog", 0.45]]);
    const breed = await seedImage(u, [["golden retriever", 0.95]]);
    expect(await ids(u, "dog")).toEqual([cocoDog.id, breed.id]);
    expect(await ids(u, "golden")).toEqual([breed.id]);
  });

  it("a rejected label's broader terms go with it", async () => {
    const u = await seedUser();
    await seedImage(u, [
      ["golden retriever", 0.9, { rejected: true }],
      ["tennis ball", 0.3],
    ]);
    expect(await ids(u, "dog")).toEqual([]);
  });

  it("through the route: the same, with the owner filter", async () => {
    const { client } = await signedInClient();
    const other = await signedInClient();
    const mine = await uploadLabelled(client, uniqueImage("tiny.jpg"), [{ label: "GOLDEN RETRIEVER", score: 0.8 }]);
    await uploadLabelled(other.client, uniqueImage("tiny.png"), [{ label: "BORDER COLLIE", score: 0.8 }]);
    const page = await expectContract(
      searchImages,
      200,
      await client.GET("/v1/images/search", { params: { query: { q: "dog" } } }),
    );
    expect(page.items.map((item) => item.id)).toEqual([mine.id]);
  });
});
