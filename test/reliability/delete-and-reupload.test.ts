// A delete of an image and a new upload of the same bytes, racing (issue 16, item 10): the upload is answered with
// the existing image, so that image must not then be deleted. The upload claims it (its version moves on) and the
// delete removes only the version it read: whichever way they interleave, the upload's answer stays true.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deleteImageRoute, getImageRoute, uploadImageRoute } from "../../src/images/images.routes";
import { ImageService } from "../../src/images/images.service";
import type { ApiError } from "../../src/lib/problem";
import { createServices } from "../../src/services";
import { signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { countImageRows, listObjectKeys, postImage, uniqueImage } from "../helpers/images";

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Holds the next read of an image through the service (the delete's, which reads the image first) until `open()`;
 * `reached` resolves when it got there. Nothing else reads one meanwhile: an upload of known bytes does not.
 */
function holdDeleteAfterRead() {
  const original = ImageService.prototype.get;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let arrived!: () => void;
  const reached = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  let held = false;
  vi.spyOn(ImageService.prototype, "get").mockImplementation(async function (this: ImageService, ...args) {
    const image = await original.apply(this, args);
    if (!held) {
      held = true;
      arrived();
      await opened;
    }
    return image;
  });
  return { reached, open };
}

describe("a delete and a re-upload of the same bytes at once", () => {
  it("re-upload first: the upload is answered with the image, and the delete that read it before is a 409 conflict, keeping it", async () => {
    const { client, user } = await signedInClient();
    const bytes = uniqueImage("tiny.png");
    const image = await expectContract(uploadImageRoute, 201, await postImage(client, bytes, "a.png"));

    // The delete runs here, through the service its route calls: a request cannot wait on this test's promise.
    const hold = holdDeleteAfterRead();
    const deleting = createServices(env).images.remove({ userId: user.id }, image.id);
    await hold.reached;
    const again = await expectContract(uploadImageRoute, 200, await postImage(client, bytes, "b.png"));
    expect(again.id).toBe(image.id);
    hold.open();

    const refused = await deleting.then(
      () => null,
      (error: ApiError) => error,
    );
    expect(refused).toMatchObject({ kind: "conflict", status: 409 });
    expect(refused?.message).toMatch(/uploaded again/);
    await expectContract(
      getImageRoute,
      200,
      await client.GET("/v1/images/{id}", { params: { path: { id: image.id } } }),
    );
    expect(await countImageRows(user.id)).toBe(1);
    expect((await listObjectKeys(user.id)).length).toBeGreaterThan(0);
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
