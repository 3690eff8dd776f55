import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ImagifyClient } from "../../../openapi/client";
import {
  getImageRoute as getImage,
  updateImageTagsRoute as patchImageTags,
  retagImageRoute as retagImage,
  searchImagesRoute as searchImages,
  uploadImageRoute as uploadImage,
} from "../../../src/images/images.routes";
import { originalKey } from "../../../src/images/store/image-objects";
import { listTagsRoute as listTags } from "../../../src/images/tags.routes";
import { signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import { countImageRows, listObjectKeys, postImage, sha256Hex, uniqueImage, uploadOk } from "../../helpers/images";
import { librarySql } from "../../helpers/library";

async function uploadWithProgram(client: ImagifyClient, behaviour: Parameters<typeof env.AI_STUB.program>[1]) {
  const bytes = uniqueImage("tiny.jpg");
  const sha = await sha256Hex(bytes);
  await env.AI_STUB.program(sha, behaviour);
  const image = await expectContract(uploadImage, 201, await postImage(client, bytes, "photo.jpg"));
  return { bytes, sha, image };
}

function patch(client: ImagifyClient, id: string, body: { add?: string[]; remove?: string[] }) {
  return client.PATCH("/v1/images/{id}/tags", {
    params: { path: { id } },
    body: { add: body.add ?? [], remove: body.remove ?? [] },
  });
}

function retag(client: ImagifyClient, id: string) {
  return client.POST("/v1/images/{id}/retag", { params: { path: { id } } });
}

describe("tagger failure never fails the upload", () => {
  it("a tagger error stores the image as pending (the queue retries it); a retag after the tagger recovers tags it", async () => {
    const { client, user } = await signedInClient();
    const { sha, image } = await uploadWithProgram(client, { error: "boom" });
    expect(image.tagStatus).toBe("pending");
    expect(image.tagError).toEqual(expect.any(String));
    expect(image.tagError!.length).toBeGreaterThan(0);
    expect(image.tags).toEqual([]);
    expect(await countImageRows(user.id)).toBe(1);
    expect(await listObjectKeys(user.id)).toEqual([originalKey(user.id, sha)]);

    await env.AI_STUB.program(sha, {
      output: [
        { label: "GOLDEN RETRIEVER", score: 0.9 },
        { label: "LABRADOR RETRIEVER", score: 0.05 },
        { label: "TENNIS BALL", score: 0.01 },
      ],
    });
    const retagged = await expectContract(retagImage, 200, await retag(client, image.id));
    expect(retagged.tagStatus).toBe("tagged");
    expect(retagged.tagError).toBeNull();
    expect(retagged.tags).toEqual([
      { label: "golden retriever", score: 0.9, source: "ai", model: "@cf/microsoft/resnet-50" },
      { label: "labrador retriever", score: 0.05, source: "ai", model: "@cf/microsoft/resnet-50" },
    ]);
    const found = await expectContract(
      searchImages,
      200,
      await client.GET("/v1/images/search", { params: { query: { q: "golden" } } }),
    );
    expect(found.items.map((i) => i.id)).toEqual([image.id]);
  });

  it("a tagger answer of the wrong shape stores the image as pending", async () => {
    const { client } = await signedInClient();
    const { image } = await uploadWithProgram(client, { invalid: true });
    expect(image.tagStatus).toBe("pending");
    expect(image.tagError).toMatch(/shape/i);
    expect(image.tags).toEqual([]);
  });

  it("a tagger slower than TAGGER_TIMEOUT_MS stores the image as pending, by timeout", async () => {
    const { client } = await signedInClient();
    const started = Date.now();
    const { image } = await uploadWithProgram(client, { delayMs: 3000 });
    const elapsed = Date.now() - started;
    expect(image.tagStatus).toBe("pending");
    expect(image.tagError).toMatch(/1500 ms/);
    expect(elapsed).toBeLessThan(2900);
  }, 15_000);

  it("the tagger error message does not leak raw upstream details beyond the reason", async () => {
    const { client } = await signedInClient();
    const { image } = await uploadWithProgram(client, { error: "boom" });
    expect(image.tagError).not.toMatch(/\n\s+at\s/);
  });

  it("a failed retag keeps the previous tags and reports failed", async () => {
    const { client } = await signedInClient();
    const { sha, image } = await uploadWithProgram(client, { output: [{ label: "SEASHORE", score: 0.6 }] });
    expect(image.tags).toEqual([{ label: "seashore", score: 0.6, source: "ai", model: "@cf/microsoft/resnet-50" }]);
    await env.AI_STUB.program(sha, { error: "down again" });
    const retagged = await expectContract(retagImage, 200, await retag(client, image.id));
    expect(retagged.tagStatus).toBe("failed");
    expect(retagged.tagError).toEqual(expect.any(String));
    expect(retagged.tags).toEqual(image.tags);
  });
});

describe("user tags and rejected AI tags", () => {
  it("a removed AI tag stays hidden after a retag, is not searchable, and comes back as a user tag when added", async () => {
    const { client } = await signedInClient();
    const image = await uploadOk(client, uniqueImage("tiny.png"));
    expect(image.tags.map((t) => t.label)).toEqual(["tabby", "tiger cat", "egyptian cat"]);
    const id = image.id;

    const rejected = await expectContract(patchImageTags, 200, await patch(client, id, { remove: ["TABBY"] }));
    expect(rejected.tags.map((t) => t.label)).toEqual(["tiger cat", "egyptian cat"]);

    // The stub answers the same labels again: tabby stays rejected.
    const retagged = await expectContract(retagImage, 200, await retag(client, id));
    expect(retagged.tagStatus).toBe("tagged");
    expect(retagged.tags).toEqual([
      { label: "tiger cat", score: 0.23, source: "ai", model: "@cf/microsoft/resnet-50" },
      { label: "egyptian cat", score: 0.17, source: "ai", model: "@cf/microsoft/resnet-50" },
    ]);
    const got = await expectContract(getImage, 200, await client.GET("/v1/images/{id}", { params: { path: { id } } }));
    expect(got.tags.map((t) => t.label)).not.toContain("tabby");

    const search = await expectContract(
      searchImages,
      200,
      await client.GET("/v1/images/search", { params: { query: { q: "tabby" } } }),
    );
    expect(search.items).toEqual([]);
    const stillCat = await expectContract(
      searchImages,
      200,
      await client.GET("/v1/images/search", { params: { query: { q: "tiger" } } }),
    );
    expect(stillCat.items.map((i) => i.id)).toEqual([id]);
    const tags = await expectContract(listTags, 200, await client.GET("/v1/tags"));
    expect(tags.items.map((t) => t.label)).not.toContain("tabby");

    const readded = await expectContract(patchImageTags, 200, await patch(client, id, { add: ["tabby"] }));
    expect(readded.tags[0]).toEqual({ label: "tabby", score: 1, source: "user", model: null });
    const found = await expectContract(
      searchImages,
      200,
      await client.GET("/v1/images/search", { params: { query: { q: "tabby" } } }),
    );
    expect(found.items.map((i) => i.id)).toEqual([id]);

    // A user tag survives a retag.
    const again = await expectContract(retagImage, 200, await retag(client, id));
    expect(again.tags).toContainEqual({ label: "tabby", score: 1, source: "user", model: null });
  });

  it("removing a user tag hides it and keeps it as a rejection", async () => {
    const { client, user } = await signedInClient();
    const image = await uploadOk(client, uniqueImage("tiny.gif"));
    await expectContract(patchImageTags, 200, await patch(client, image.id, { add: ["holiday"] }));
    const removed = await expectContract(patchImageTags, 200, await patch(client, image.id, { remove: ["holiday"] }));
    expect(removed.tags.map((t) => t.label)).toEqual(["tabby", "tiger cat", "egyptian cat"]);
    const [row] = await librarySql<{ rejected: number }>(
      user.id,
      "SELECT rejected FROM image_tags WHERE image_id = ? AND label = 'holiday'",
      image.id,
    );
    expect(row?.rejected).toBe(1);
    // Retag does not resurrect it.
    const retagged = await expectContract(retagImage, 200, await retag(client, image.id));
    expect(retagged.tags.map((t) => t.label)).not.toContain("holiday");
  });

  it("adding and removing the same label in one request is 400 (also after normalisation)", async () => {
    const { client } = await signedInClient();
    const image = await uploadOk(client, uniqueImage("tiny.png"));
    await expectContract(patchImageTags, 400, await patch(client, image.id, { add: ["sunset"], remove: ["sunset"] }));
    await expectContract(
      patchImageTags,
      400,
      await patch(client, image.id, { add: ["  Sunset  Beach"], remove: ["sunset beach"] }),
    );
    const got = await expectContract(
      getImage,
      200,
      await client.GET("/v1/images/{id}", { params: { path: { id: image.id } } }),
    );
    expect(got.tags).toEqual(image.tags);
  });

  it("labels are normalised: trimmed, lower-cased, inner whitespace collapsed", async () => {
    const { client } = await signedInClient();
    const image = await uploadOk(client, uniqueImage("tiny.png"));
    const patched = await expectContract(
      patchImageTags,
      200,
      await patch(client, image.id, { add: ["  Birthday   PARTY ", "birthday party"] }),
    );
    expect(patched.tags.filter((t) => t.source === "user")).toEqual([
      { label: "birthday party", score: 1, source: "user", model: null },
    ]);
    const tags = await expectContract(
      listTags,
      200,
      await client.GET("/v1/tags", { params: { query: { prefix: "Birth" } } }),
    );
    expect(tags.items).toEqual([{ label: "birthday party", count: 1 }]);
  });

  it("too many labels (21), empty labels, over-long labels and unknown fields are 400", async () => {
    const { client } = await signedInClient();
    const image = await uploadOk(client, uniqueImage("tiny.png"));
    const many = Array.from({ length: 21 }, (_, i) => `label ${i}`);
    await expectContract(patchImageTags, 400, await patch(client, image.id, { add: many }));
    await expectContract(patchImageTags, 400, await patch(client, image.id, { remove: many }));
    await expectContract(patchImageTags, 400, await patch(client, image.id, { add: ["   "] }));
    await expectContract(patchImageTags, 400, await patch(client, image.id, { add: ["x".repeat(65)] }));
    await expectContract(
      patchImageTags,
      400,
      await client.PATCH("/v1/images/{id}/tags", {
        params: { path: { id: image.id } },
        body: { add: ["ok"], remove: [], userId: "usr_x" } as never,
      }),
    );
    // Exactly 20 is fine.
    const twenty = await expectContract(patchImageTags, 200, await patch(client, image.id, { add: many.slice(0, 20) }));
    expect(twenty.tags.filter((t) => t.source === "user")).toHaveLength(20);
  });

  it("PATCH, retag and get on an unknown id are 404", async () => {
    const { client } = await signedInClient();
    const id = "img_doesnotexist";
    await expectContract(patchImageTags, 404, await patch(client, id, { add: ["x"] }));
    await expectContract(retagImage, 404, await retag(client, id));
    await expectContract(getImage, 404, await client.GET("/v1/images/{id}", { params: { path: { id } } }));
    await expectContract(
      getImage,
      400,
      await client.GET("/v1/images/{id}", { params: { path: { id: "x".repeat(65) } } }),
    );
  });
});
