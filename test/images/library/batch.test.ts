// Cleaning up in bulk: up to 100 images deleted, or tagged, in one request, each on its own. An id that is not the
// caller's fails alone (not_found, whether it is missing or someone else's), and nothing of a deleted image is left.
import { describe, expect, it } from "vitest";
import {
  batchDeleteImagesRoute,
  batchUpdateImageTagsRoute,
  getImageRoute,
  searchImagesRoute,
} from "../../../src/images/images.routes";
import { signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import { listObjectKeys, uniqueImage, uploadOk } from "../../helpers/images";

describe("batch requests", () => {
  it("deletes 3 of the caller's images with everything under them; a foreign and a missing id fail alone", async () => {
    const { client, user } = await signedInClient();
    const other = await signedInClient();
    const mine = [
      await uploadOk(client, uniqueImage("tiny.png")),
      await uploadOk(client, uniqueImage("tiny.jpg")),
      await uploadOk(client, uniqueImage("tiny.gif")),
    ];
    const kept = await uploadOk(client, uniqueImage("wide.png"));
    const foreign = await uploadOk(other.client, uniqueImage("tiny.png"));
    // A rendition under one of them, so "everything under it" includes derived files.
    await client.GET("/v1/images/{id}/file", {
      params: { path: { id: mine[0]!.id }, query: { width: 2, format: "png" } },
      parseAs: "arrayBuffer",
    });

    const ids = [mine[0]!.id, foreign.id, mine[1]!.id, "img_missing", mine[2]!.id, mine[0]!.id];
    const { results } = await expectContract(
      batchDeleteImagesRoute,
      200,
      await client.POST("/v1/images/batch-delete", { body: { ids } }),
    );
    expect(results).toEqual([
      { id: mine[0]!.id, status: "deleted" },
      { id: foreign.id, status: "not_found" },
      { id: mine[1]!.id, status: "deleted" },
      { id: "img_missing", status: "not_found" },
      { id: mine[2]!.id, status: "deleted" },
    ]);
    for (const image of mine)
      expect(await listObjectKeys(user.id)).not.toContainEqual(expect.stringContaining(image.sha256));
    expect((await listObjectKeys(user.id)).length).toBeGreaterThan(0); // the kept image's original
    await expectContract(
      getImageRoute,
      200,
      await client.GET("/v1/images/{id}", { params: { path: { id: kept.id } } }),
    );
    await expectContract(
      getImageRoute,
      200,
      await other.client.GET("/v1/images/{id}", { params: { path: { id: foreign.id } } }),
    );
  });

  it("tags several images at once; search finds them; a foreign id fails alone and is not tagged", async () => {
    const { client } = await signedInClient();
    const other = await signedInClient();
    const a = await uploadOk(client, uniqueImage("tiny.png"));
    const b = await uploadOk(client, uniqueImage("tiny.jpg"));
    const foreign = await uploadOk(other.client, uniqueImage("tiny.gif"));
    const { results } = await expectContract(
      batchUpdateImageTagsRoute,
      200,
      await client.POST("/v1/images/batch-tags", {
        body: { ids: [a.id, b.id, foreign.id], add: ["Summer  Holiday"], remove: [] },
      }),
    );
    expect(results).toEqual([
      { id: a.id, status: "updated" },
      { id: b.id, status: "updated" },
      { id: foreign.id, status: "not_found" },
    ]);
    const found = await expectContract(
      searchImagesRoute,
      200,
      await client.GET("/v1/images/search", { params: { query: { q: "summer holiday" } } }),
    );
    expect(found.items.map((item) => item.id).sort()).toEqual([a.id, b.id].sort());
    const theirs = await other.client.GET("/v1/images/{id}", { params: { path: { id: foreign.id } } });
    expect(theirs.data?.tags.map((tag) => tag.label)).not.toContain("summer holiday");
  });

  it("more than 100 ids, none, or a label both added and removed are a 400, and nothing changes", async () => {
    const { client } = await signedInClient();
    const a = await uploadOk(client, uniqueImage("tiny.png"));
    const tooMany = Array.from({ length: 101 }, (_, i) => `img_${i}`);
    await expectContract(
      batchDeleteImagesRoute,
      400,
      await client.POST("/v1/images/batch-delete", { body: { ids: tooMany } }),
    );
    await expectContract(
      batchDeleteImagesRoute,
      400,
      await client.POST("/v1/images/batch-delete", { body: { ids: [] } }),
    );
    await expectContract(
      batchUpdateImageTagsRoute,
      400,
      await client.POST("/v1/images/batch-tags", { body: { ids: [a.id], add: ["x"], remove: ["x"] } }),
    );
    const read = await client.GET("/v1/images/{id}", { params: { path: { id: a.id } } });
    expect(read.data?.tags.map((tag) => tag.label)).not.toContain("x");
  });
});
