// A delete of an image and a new upload of the same bytes, racing (issue 16, item 10). Inside the owner's library
// the two are serial, so the only window left is R2: the delete removes the files after the row, and an upload of
// the same bytes writes its original before its row. The library records every release of content and makes an
// upload whose file a release may have removed write it again (store/releases.ts): the upload always ends with its
// row and its file.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { deleteImageRoute, getImageRoute, uploadImageRoute } from "../../src/images/images.routes";
import { originalKey } from "../../src/images/store/image-objects";
import type { Library } from "../../src/index";
import { call, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bytesEqual, countImageRows, expectFile, postImage, uniqueImage } from "../helpers/images";
import { libraryOf } from "../helpers/library";
import { signal } from "../helpers/signal";

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** Holds the library's next R2 delete (a release of content) until `open()`; `reached` resolves when it starts. */
async function holdNextRelease(userId: string) {
  const { fired: opened, fire: open } = signal();
  const { fired: reached, fire: arrived } = signal();
  await libraryOf(userId).size();
  await runInDurableObject(env.LIBRARY.getByName(userId), (instance: Library) => {
    const { bucket } = (instance as unknown as { engine: { platform: { bucket: R2Bucket } } }).engine.platform;
    const original = bucket.delete.bind(bucket);
    let held = false;
    bucket.delete = async (keys) => {
      if (!held) {
        held = true;
        arrived();
        await opened;
      }
      return original(keys);
    };
  });
  return { reached, open };
}

describe("a delete and a re-upload of the same bytes at once", () => {
  it("an upload arriving while the delete removes the files waits for it, then stores its own file", async () => {
    const { client, user } = await signedInClient();
    const bytes = uniqueImage("tiny.png");
    const image = await expectContract(uploadImageRoute, 201, await postImage(client, bytes, "a.png"));

    const hold = await holdNextRelease(user.id);
    const deleting = client.DELETE("/v1/images/{id}", { params: { path: { id: image.id } } });
    await hold.reached;
    const uploading = postImage(client, bytes, "b.png");
    hold.open();
    await expectContract(deleteImageRoute, 204, await deleting);
    const again = await expectContract(uploadImageRoute, 201, await uploading);

    expect(again.id).not.toBe(image.id);
    expect(await countImageRows(user.id)).toBe(1);
    expect(await env.BUCKET.head(originalKey(user.id, again.sha256))).not.toBeNull();
    expect(bytesEqual(await expectFile(200, await call(again.url)), bytes)).toBe(true);
  });

  it("an upload whose file a release may have removed is told to write it again", async () => {
    const { user } = await signedInClient();
    const library = libraryOf(user.id);
    const bytes = uniqueImage("tiny.gif");
    const sha256 = hex(await crypto.subtle.digest("SHA-256", bytes));
    const row = (id: string) => ({
      id,
      r2_key: originalKey(user.id, sha256),
      filename: "x.gif",
      content_type: "image/gif" as const,
      bytes: bytes.length,
      width: 1,
      height: 1,
      sha256,
      created_at: Date.now(),
    });
    const tagged = { status: "tagged" as const, tags: [], model: "test" };

    // Upload A takes its ticket; meanwhile upload B of the same bytes is added and deleted, which removes the file.
    const a = await library.beginUpload(sha256);
    const b = await library.beginUpload(sha256);
    if (!("ticket" in a) || !("ticket" in b)) throw new Error("the bytes exist already");
    await env.BUCKET.put(originalKey(user.id, sha256), bytes);
    expect(await library.insert(row("img_b"), tagged, b.ticket)).toMatchObject({ created: true });
    await library.remove(["img_b"]);
    expect(await env.BUCKET.head(originalKey(user.id, sha256))).toBeNull();

    // A's row would now point at nothing: it is refused with a new ticket, and accepted with it after a new write.
    const refused = await library.insert(row("img_a"), tagged, a.ticket);
    expect(refused).toEqual({ retry: expect.any(Number) });
    if (!("retry" in refused)) throw new Error("expected a retry");
    await env.BUCKET.put(originalKey(user.id, sha256), bytes);
    expect(await library.insert(row("img_a"), tagged, refused.retry)).toMatchObject({ created: true });
  });

  it("delete first: the re-upload is a new image (201), not the deleted one", async () => {
    const { client } = await signedInClient();
    const bytes = uniqueImage("tiny.png");
    const image = await expectContract(uploadImageRoute, 201, await postImage(client, bytes, "a.png"));
    await expectContract(
      deleteImageRoute,
      204,
      await client.DELETE("/v1/images/{id}", { params: { path: { id: image.id } } }),
    );
    const again = await expectContract(uploadImageRoute, 201, await postImage(client, bytes, "b.png"));
    expect(again.id).not.toBe(image.id);
    await expectContract(
      getImageRoute,
      200,
      await client.GET("/v1/images/{id}", { params: { path: { id: again.id } } }),
    );
  });
});
