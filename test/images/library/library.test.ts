import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  deleteImageRoute as deleteImage,
  getImageRoute as getImage,
  getImageFileRoute as getImageFile,
  listImagesRoute as listImages,
  updateImageTagsRoute as patchImageTags,
  retagImageRoute as retagImage,
  searchImagesRoute as searchImages,
  uploadImageRoute as uploadImage,
} from "../../../src/images/images.routes";
import { originalKey } from "../../../src/images/store/image-objects";
import { listTagsRoute as listTags } from "../../../src/images/tags.routes";
import type { Library } from "../../../src/index";
import { type FixtureName, fixtureInfo } from "../../fixtures";
import { BASE_URL, call, signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import {
  bearer,
  bytesEqual,
  countImageRows,
  countTagRows,
  expectFile,
  listObjectKeys,
  postImage,
  sha256Hex,
  uniqueImage,
  uploadLabelled,
  uploadOk,
} from "../../helpers/images";

const DEFAULT_TAGS = [
  { label: "tabby", score: 0.41, source: "ai", model: "@cf/microsoft/resnet-50" },
  { label: "tiger cat", score: 0.23, source: "ai", model: "@cf/microsoft/resnet-50" },
  { label: "egyptian cat", score: 0.17, source: "ai", model: "@cf/microsoft/resnet-50" },
];

describe("upload: happy path", () => {
  it("stores the image with 201 and AI tags normalised, thresholded and sorted best first", async () => {
    const { client } = await signedInClient();
    const bytes = uniqueImage("tiny.png");
    const image = await uploadOk(client, bytes, "cat.png", "image/png");
    expect(image.tagStatus).toBe("tagged");
    expect(image.tagError).toBeNull();
    // Default stub answer: TABBY 0.41, TIGER CAT 0.23, EGYPTIAN CAT 0.17, LYNX 0.04, TIGER 0.02 (min score 0.05).
    expect(image.tags).toEqual(DEFAULT_TAGS);
    expect(image.sha256).toBe(await sha256Hex(bytes));
    expect(image.bytes).toBe(bytes.length);
    expect(image.filename).toBe("cat.png");
    expect(image.url).toMatch(new RegExp(`^${BASE_URL}/v1/images/${image.id}/file\\?`));
    expect(Date.parse(image.urlExpiresAt)).toBeGreaterThan(Date.now());
    expect(Math.abs(Date.parse(image.createdAt) - Date.now())).toBeLessThan(60_000);
  });

  it("normalises, de-duplicates and orders a programmed tagger answer", async () => {
    const { client } = await signedInClient();
    const image = await uploadLabelled(client, uniqueImage("tiny.jpg"), [
      { label: "  Golden   RETRIEVER ", score: 0.3 },
      { label: "LABRADOR RETRIEVER", score: 0.6 },
      { label: "golden retriever", score: 0.5 },
      { label: "TENNIS BALL", score: 0.049 },
      { label: "KUVASZ", score: 0.05 },
    ]);
    expect(image.tags).toEqual([
      { label: "labrador retriever", score: 0.6, source: "ai", model: "@cf/microsoft/resnet-50" },
      { label: "golden retriever", score: 0.5, source: "ai", model: "@cf/microsoft/resnet-50" },
      { label: "kuvasz", score: 0.05, source: "ai", model: "@cf/microsoft/resnet-50" },
    ]);
  });

  const formats: FixtureName[] = [
    "tiny.jpg",
    "tiny-progressive.jpg",
    "tall.jpg",
    "tiny.png",
    "wide.png",
    "tiny.gif",
    "wide.gif",
    "tiny-lossy.webp",
    "wide-lossy.webp",
    "tiny-lossless.webp",
    "wide-lossless.webp",
    "tiny-alpha.webp",
    "wide-alpha.webp",
  ];
  for (const name of formats) {
    it(`detects type and dimensions from the bytes of ${name} (with trailing bytes appended), ignoring the claimed type`, async () => {
      const { client } = await signedInClient();
      const info = fixtureInfo[name];
      const image = await uploadOk(client, uniqueImage(name), "upload.bin", "application/octet-stream");
      expect({ contentType: image.contentType, width: image.width, height: image.height }).toEqual({
        contentType: info.contentType,
        width: info.width,
        height: info.height,
      });
      expect(image.bytes).toBe(info.size + 16);
    });
  }
});

describe("read routes", () => {
  it("lists, gets and downloads an image (signed url without a token, and with a bearer token)", async () => {
    const { client, tokens } = await signedInClient();
    const bytes = uniqueImage("wide.gif");
    const uploaded = await uploadOk(client, bytes, "wide.gif");

    const page = await expectContract(listImages, 200, await client.GET("/v1/images"));
    expect(page.items.map((i) => i.id)).toEqual([uploaded.id]);
    expect(page.nextCursor).toBeNull();
    expect(page.items[0]!.tags).toEqual(uploaded.tags);

    const got = await expectContract(
      getImage,
      200,
      await client.GET("/v1/images/{id}", { params: { path: { id: uploaded.id } } }),
    );
    const { similar, ...uploadedImage } = uploaded;
    expect(similar).toEqual([]);
    expect({ ...got, url: "", urlExpiresAt: "" }).toEqual({ ...uploadedImage, url: "", urlExpiresAt: "" });

    const viaSignedUrl = await call(got.url);
    expect(await expectFile(200, viaSignedUrl)).toEqual(bytes);
    expect(viaSignedUrl.headers.get("content-type")).toBe("image/gif");

    const viaBearer = await call(`/v1/images/${uploaded.id}/file`, { headers: bearer(tokens.accessToken) });
    expect(bytesEqual(await expectFile(200, viaBearer), bytes)).toBe(true);
  });

  it("PATCH adds user tags and removes them; retag keeps user tags and re-runs the tagger", async () => {
    const { client } = await signedInClient();
    const bytes = uniqueImage("tiny-lossy.webp");
    const sha = await sha256Hex(bytes);
    const uploaded = await uploadOk(client, bytes);
    const id = uploaded.id;

    const added = await expectContract(
      patchImageTags,
      200,
      await client.PATCH("/v1/images/{id}/tags", {
        params: { path: { id } },
        body: { add: ["Birthday Party", "beach"], remove: [] },
      }),
    );
    expect(added.tags).toEqual([
      { label: "beach", score: 1, source: "user", model: null },
      { label: "birthday party", score: 1, source: "user", model: null },
      ...DEFAULT_TAGS,
    ]);

    const removed = await expectContract(
      patchImageTags,
      200,
      await client.PATCH("/v1/images/{id}/tags", { params: { path: { id } }, body: { add: [], remove: ["beach"] } }),
    );
    expect(removed.tags.map((t) => t.label)).toEqual(["birthday party", "tabby", "tiger cat", "egyptian cat"]);

    const callsBefore = await env.AI_STUB.calls(sha);
    await env.AI_STUB.program(sha, { output: [{ label: "SEASHORE", score: 0.7 }] });
    const retagged = await expectContract(
      retagImage,
      200,
      await client.POST("/v1/images/{id}/retag", { params: { path: { id } } }),
    );
    expect(await env.AI_STUB.calls(sha)).toBe(callsBefore + 1);
    expect(retagged.tagStatus).toBe("tagged");
    expect(retagged.tags).toEqual([
      { label: "birthday party", score: 1, source: "user", model: null },
      { label: "seashore", score: 0.7, source: "ai", model: "@cf/microsoft/resnet-50" },
    ]);
    const got = await expectContract(getImage, 200, await client.GET("/v1/images/{id}", { params: { path: { id } } }));
    expect(got.tags).toEqual(retagged.tags);
  });

  it("GET /v1/tags lists the user's labels with counts and filters by prefix", async () => {
    const { client } = await signedInClient();
    await uploadOk(client, uniqueImage("tiny.png"));
    await uploadOk(client, uniqueImage("tiny.gif"));
    await uploadLabelled(client, uniqueImage("tiny.jpg"), [
      { label: "GOLDEN RETRIEVER", score: 0.8 },
      { label: "GOLDFISH", score: 0.1 },
      { label: "TABBY", score: 0.06 },
    ]);
    const all = await expectContract(listTags, 200, await client.GET("/v1/tags"));
    expect(all.items).toEqual([
      { label: "tabby", count: 3 },
      { label: "egyptian cat", count: 2 },
      { label: "tiger cat", count: 2 },
      { label: "golden retriever", count: 1 },
      { label: "goldfish", count: 1 },
    ]);
    const gol = await expectContract(
      listTags,
      200,
      await client.GET("/v1/tags", { params: { query: { prefix: "GOL" } } }),
    );
    expect(gol.items).toEqual([
      { label: "golden retriever", count: 1 },
      { label: "goldfish", count: 1 },
    ]);
  });
});

describe("delete", () => {
  it("removes the row, tags, search entry and object; get, file and list no longer see it", async () => {
    const { client, user, tokens } = await signedInClient();
    const bytes = uniqueImage("tiny.png");
    const keep = await uploadLabelled(client, uniqueImage("tiny.gif"), [{ label: "ZUCCHINI", score: 0.5 }]);
    const doomed = await uploadLabelled(client, bytes, [{ label: "ZUCCHINI", score: 0.9 }]);
    const key = originalKey(user.id, doomed.sha256);
    expect(await env.BUCKET.head(key)).not.toBeNull();
    expect(await countTagRows(user.id, doomed.id)).toBe(1);

    const id = doomed.id;
    await expectContract(deleteImage, 204, await client.DELETE("/v1/images/{id}", { params: { path: { id } } }));

    await expectContract(getImage, 404, await client.GET("/v1/images/{id}", { params: { path: { id } } }));
    await expectContract(
      getImageFile,
      404,
      await call(`/v1/images/${id}/file`, { headers: bearer(tokens.accessToken) }),
    );
    await expectContract(getImageFile, 404, await call(doomed.url));
    await expectContract(deleteImage, 404, await client.DELETE("/v1/images/{id}", { params: { path: { id } } }));
    const page = await expectContract(listImages, 200, await client.GET("/v1/images"));
    expect(page.items.map((i) => i.id)).toEqual([keep.id]);
    expect(await env.BUCKET.head(key)).toBeNull();
    expect(await countTagRows(user.id, id)).toBe(0);
    expect(await countImageRows(user.id)).toBe(1);
    const found = await expectContract(
      searchImages,
      200,
      await client.GET("/v1/images/search", { params: { query: { q: "zucchini" } } }),
    );
    expect(found.items.map((i) => i.id)).toEqual([keep.id]);
    const tags = await expectContract(listTags, 200, await client.GET("/v1/tags"));
    expect(tags.items).toEqual([{ label: "zucchini", count: 1 }]);

    // The same bytes can be uploaded again afterwards: a fresh image, stored again.
    const again = await uploadOk(client, bytes);
    expect(again.id).not.toBe(id);
    expect(await env.BUCKET.head(key)).not.toBeNull();
  });
});

describe("dedup", () => {
  it("the same bytes twice from one user: 201 then 200 with the same id, one row and one object", async () => {
    const { client, user } = await signedInClient();
    const bytes = uniqueImage("tiny.jpg");
    const first = await expectContract(uploadImage, 201, await postImage(client, bytes, "a.jpg"));
    const second = await expectContract(uploadImage, 200, await postImage(client, bytes, "b.jpg"));
    expect(second.id).toBe(first.id);
    expect(second.filename).toBe("a.jpg");
    expect(await countImageRows(user.id)).toBe(1);
    expect(await listObjectKeys(user.id)).toEqual([originalKey(user.id, first.sha256)]);
    expect(await env.AI_STUB.calls(first.sha256)).toBe(1);
  });

  it("the same bytes from two users are two images, each 201", async () => {
    const a = await signedInClient();
    const b = await signedInClient();
    const bytes = uniqueImage("tiny.gif");
    const imageA = await expectContract(uploadImage, 201, await postImage(a.client, bytes));
    const imageB = await expectContract(uploadImage, 201, await postImage(b.client, bytes));
    expect(imageB.id).not.toBe(imageA.id);
    expect(imageB.sha256).toBe(imageA.sha256);
    expect(await listObjectKeys(a.user.id)).toEqual([originalKey(a.user.id, imageA.sha256)]);
    expect(await listObjectKeys(b.user.id)).toEqual([originalKey(b.user.id, imageB.sha256)]);

    // Deleting one user's copy leaves the other's intact.
    await expectContract(
      deleteImage,
      204,
      await a.client.DELETE("/v1/images/{id}", { params: { path: { id: imageA.id } } }),
    );
    expect(await env.BUCKET.head(originalKey(b.user.id, imageB.sha256))).not.toBeNull();
    expect(await expectFile(200, await call(imageB.url))).toEqual(bytes);
  });
});

describe("pagination", () => {
  it("follows nextCursor with limit 3: every image exactly once, newest first", async () => {
    const { client } = await signedInClient();
    const names: FixtureName[] = [
      "tiny.png",
      "tiny.gif",
      "tiny.jpg",
      "wide.png",
      "wide.gif",
      "tiny-lossy.webp",
      "tiny-lossless.webp",
    ];
    const uploaded: string[] = [];
    for (const name of names) uploaded.push((await uploadOk(client, uniqueImage(name))).id);

    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await expectContract(
        listImages,
        200,
        await client.GET("/v1/images", { params: { query: cursor ? { limit: 3, cursor } : { limit: 3 } } }),
      );
      seen.push(...page.items.map((item) => item.id));
      sizes.push(page.items.length);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual([...uploaded].reverse());
  });

  it("answers a garbage or foreign cursor and an out-of-range limit with 400", async () => {
    const { client } = await signedInClient();
    for (const cursor of ["garbage!!", "eyJ2IjoyfQ", btoa(JSON.stringify({ v: 1, before: -5 })), "x".repeat(600)]) {
      await expectContract(listImages, 400, await client.GET("/v1/images", { params: { query: { cursor } } }));
    }
    for (const limit of [0, 101, 2.5]) {
      await expectContract(listImages, 400, await client.GET("/v1/images", { params: { query: { limit } } }));
    }
  });
});

describe("the library object", () => {
  it("runs only its operations: a private method or another name is refused, and the owner must be its own", async () => {
    const { user } = await signedInClient();
    const other = await signedInClient();
    // Called on the object itself (not over RPC), so each refusal is this test's to catch.
    await runInDurableObject(env.LIBRARY.getByName(user.id), async (library: Library) => {
      for (const op of ["release", "openAs", "uploaded", "learn", "constructor", "toString", "run", "alarm"]) {
        await expect(library.run({ owner: user.id, op, args: [] } as never), op).rejects.toThrow(/no operation/);
      }
      expect(await library.run({ owner: user.id, op: "size", args: [] })).toMatchObject({ value: { images: 0 } });
      await expect(library.run({ owner: other.user.id, op: "size", args: [] })).rejects.toThrow(/another user/);
    });
  });
});
