import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import {
  deleteImageRoute as deleteImage,
  getImageRoute as getImage,
  updateImageTagsRoute as patchImageTags,
  retagImageRoute as retagImage,
  uploadImageRoute as uploadImage,
} from "../../src/images/images.routes";
import { originalKey } from "../../src/images/store/image-objects";
import { listTagsRoute as listTags } from "../../src/images/tags.routes";
import { ProblemSchema } from "../../src/routes/problem";
import { pngWithClaimedSize } from "../fixtures/png-bomb";
import { call, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import {
  countImageRows,
  countTagRows,
  expectFile,
  listObjectKeys,
  postImage,
  sha256Hex,
  uniqueImage,
  uploadOk,
} from "../helpers/images";
import { failNextLibraryWrite } from "../helpers/library";

/** A 5xx problem+json whose body carries nothing of the underlying error. */
function expectServerProblem(response: Response, body: unknown, secret: string) {
  expect(response.status).toBeGreaterThanOrEqual(500);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const problem = ProblemSchema.parse(body);
  expect(problem.status).toBe(response.status);
  expect(JSON.stringify(problem)).not.toContain(secret);
}

describe("failures part-way leave a consistent state", () => {
  it("an R2 write failure during upload answers 5xx and leaves no row", async () => {
    const { client, user } = await signedInClient();
    const spy = vi.spyOn(env.BUCKET, "put").mockRejectedValueOnce(new Error("R2 exploded: internal-r2-detail"));
    try {
      const result = await postImage(client, uniqueImage("tiny.png"));
      expect(spy).toHaveBeenCalled();
      expectServerProblem(result.response, result.error, "internal-r2-detail");
    } finally {
      spy.mockRestore();
    }
    expect(await countImageRows(user.id)).toBe(0);
    expect(await listObjectKeys(user.id)).toEqual([]);
  });

  it("a storage failure during delete answers 5xx and the image, its tags and its object are all still there", async () => {
    const { client, user } = await signedInClient();
    const bytes = uniqueImage("tiny.gif");
    const image = await uploadOk(client, bytes);
    const restore = await failNextLibraryWrite(user.id, "SQLITE_IOERR: internal-storage-detail");
    try {
      const result = await client.DELETE("/v1/images/{id}", { params: { path: { id: image.id } } });
      expectServerProblem(result.response, result.error, "internal-storage-detail");
    } finally {
      await restore();
    }
    const got = await expectContract(
      getImage,
      200,
      await client.GET("/v1/images/{id}", { params: { path: { id: image.id } } }),
    );
    expect(got.tags).toEqual(image.tags);
    expect(await expectFile(200, await call(got.url))).toEqual(bytes);
    expect(await listObjectKeys(user.id)).toEqual([originalKey(user.id, image.sha256)]);
  });

  it("a storage failure during a retag answers 5xx and keeps the previous tags", async () => {
    const { client, user } = await signedInClient();
    const bytes = uniqueImage("tiny.png");
    const image = await uploadOk(client, bytes);
    await env.AI_STUB.program(await sha256Hex(bytes), { output: [{ label: "SEASHORE", score: 0.9 }] });
    const restore = await failNextLibraryWrite(user.id, "SQLITE_IOERR: internal-storage-detail");
    try {
      const result = await client.POST("/v1/images/{id}/retag", { params: { path: { id: image.id } } });
      expectServerProblem(result.response, result.error, "internal-storage-detail");
    } finally {
      await restore();
    }
    const got = await expectContract(
      getImage,
      200,
      await client.GET("/v1/images/{id}", { params: { path: { id: image.id } } }),
    );
    expect(got.tags).toEqual(image.tags);
    expect(got.tagStatus).toBe("tagged");
  });

  it("concurrent uploads of the same bytes by one user end with one image, one row and one object", async () => {
    const { client, user } = await signedInClient();
    const bytes = uniqueImage("tiny.jpg");
    const results = await Promise.all([
      postImage(client, bytes, "a.jpg"),
      postImage(client, bytes, "b.jpg"),
      postImage(client, bytes, "c.jpg"),
    ]);
    const statuses = results.map((r) => r.response.status).sort();
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    const images = await Promise.all(
      results.map((r) => expectContract(uploadImage, r.response.status as 200 | 201, r)),
    );
    expect(new Set(images.map((i) => i.id)).size).toBe(1);
    expect(await countImageRows(user.id)).toBe(1);
    expect(await listObjectKeys(user.id)).toEqual([originalKey(user.id, images[0]!.sha256)]);
    expect(await expectFile(200, await call(images[0]!.url))).toEqual(bytes);
  });

  it("the pixel limit is inclusive: 10000×5000 (= MAX_IMAGE_PIXELS) is accepted, 10000×5001 is 422", async () => {
    const { client, user } = await signedInClient();
    const atLimit = new Uint8Array([
      ...pngWithClaimedSize(10_000, 5_000),
      ...crypto.getRandomValues(new Uint8Array(16)),
    ]);
    const image = await expectContract(uploadImage, 201, await postImage(client, atLimit, "big.png"));
    expect({ width: image.width, height: image.height }).toEqual({ width: 10_000, height: 5_000 });
    const over = new Uint8Array([...pngWithClaimedSize(10_000, 5_001), ...crypto.getRandomValues(new Uint8Array(16))]);
    await expectContract(uploadImage, 422, await postImage(client, over, "bigger.png"));
    expect(await env.AI_STUB.calls(await sha256Hex(over))).toBe(0);
    expect(await countImageRows(user.id)).toBe(1);
  });
});

describe("tag rules across sequences of edits", () => {
  it("an AI label the user removed, re-added and removed again stays hidden after a retag", async () => {
    const { client } = await signedInClient();
    const image = await uploadOk(client, uniqueImage("tiny.png"));
    const id = image.id;
    const patch = (body: { add: string[]; remove: string[] }) =>
      client.PATCH("/v1/images/{id}/tags", { params: { path: { id } }, body });
    await expectContract(patchImageTags, 200, await patch({ add: [], remove: ["tabby"] }));
    await expectContract(patchImageTags, 200, await patch({ add: ["tabby"], remove: [] }));
    const removed = await expectContract(patchImageTags, 200, await patch({ add: [], remove: ["tabby"] }));
    expect(removed.tags.map((t) => t.label)).not.toContain("tabby");
    // The stub answers TABBY again. The user's last word on "tabby" was "remove": it must not come back.
    const retagged = await expectContract(
      retagImage,
      200,
      await client.POST("/v1/images/{id}/retag", { params: { path: { id } } }),
    );
    expect(retagged.tags.map((t) => t.label)).not.toContain("tabby");
  });

  it("a user label stays within the 64-character limit after normalisation (NFKC may expand it)", async () => {
    const { client } = await signedInClient();
    const image = await uploadOk(client, uniqueImage("tiny.gif"));
    // U+FDFA is one character that NFKC expands to 18.
    const result = await client.PATCH("/v1/images/{id}/tags", {
      params: { path: { id: image.id } },
      body: { add: ["\uFDFA".repeat(64)], remove: [] },
    });
    if (result.response.status === 400) {
      await expectContract(patchImageTags, 400, result);
    } else {
      const patched = await expectContract(patchImageTags, 200, result);
      for (const tag of patched.tags)
        expect(Array.from(tag.label).length, "stored label length").toBeLessThanOrEqual(64);
    }
  });

  it("deleting an image removes its user tags from GET /v1/tags too", async () => {
    const { client, user } = await signedInClient();
    const image = await uploadOk(client, uniqueImage("tiny.png"));
    await expectContract(
      patchImageTags,
      200,
      await client.PATCH("/v1/images/{id}/tags", {
        params: { path: { id: image.id } },
        body: { add: ["holiday"], remove: ["tabby"] },
      }),
    );
    await expectContract(
      deleteImage,
      204,
      await client.DELETE("/v1/images/{id}", { params: { path: { id: image.id } } }),
    );
    expect(await countTagRows(user.id, image.id)).toBe(0);
    const tags = await expectContract(listTags, 200, await client.GET("/v1/tags"));
    expect(tags.items).toEqual([]);
  });
});
