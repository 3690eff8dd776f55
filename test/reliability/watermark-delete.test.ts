// A rendition that draws one of the owner's images as a watermark is stored under the image it is made of, and shows
// the watermark's pixels: deleting the watermark deletes it (also when the delete lands while it is being made, and
// after a crash, by the library's alarm), and an edit of the watermark deletes those that draw its earlier picture.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { deleteImageRoute, getImageFileRoute } from "../../src/images/images.routes";
import { derivedKey } from "../../src/images/store/image-objects";
import { createSessionRoute } from "../../src/processing/processing.routes";
import { putEdits } from "../edits/helpers";
import { call } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bearer, listObjectKeys } from "../helpers/images";
import { librarySql } from "../helpers/library";
import { fileUrl, refused, rendition, userWithPhoto } from "../options/helpers";
import { waitForStatus } from "../processing/helpers";

type User = Awaited<ReturnType<typeof userWithPhoto>>;

const WATERMARKED = { format: "png", width: 200, watermark: "", "watermark.width": 0.3 };

async function deleteImage(user: User, id: string) {
  const response = await call(`/v1/images/${id}`, { method: "DELETE", headers: bearer(user.tokens.accessToken) });
  await expectContract(deleteImageRoute, 204, response);
}

/** The stored renditions of the user's photo (names after `r/`), of all its files. */
async function photoRenditions(user: User): Promise<string[]> {
  const root = derivedKey(user.user.id, user.image.sha256, "r/");
  return (await listObjectKeys(user.user.id))
    .filter((key) => key.startsWith(root))
    .map((key) => key.slice(root.length));
}

const drawing = (names: string[], id: string) => names.filter((name) => name.includes(`-wm${id}`));

/**
 * Deletes the user's logo when a rendition drawing it is about to be written to R2: after its use was recorded and
 * its picture made, before its file exists. Restore the spy afterwards.
 */
function deleteWatermarkAsItsRenditionIsWritten(user: User) {
  const logo = user.logo!;
  const put = env.BUCKET.put.bind(env.BUCKET);
  return vi.spyOn(env.BUCKET, "put").mockImplementation(async (key, value, options) => {
    if (key.includes(`-wm${logo.id}`)) await deleteImage(user, logo.id);
    return put(key, value, options);
  });
}

describe("renditions that draw a watermark", () => {
  it("go when the watermark is deleted; the photo's other renditions, its original and its other uses stay", async () => {
    const user = await userWithPhoto({ logo: true });
    const logo = user.logo!;
    await rendition(user, user.image.id, { ...WATERMARKED, watermark: logo.id });
    await rendition(user, user.image.id, { ...WATERMARKED, watermark: logo.id, "watermark.opacity": 0.5 });
    await rendition(user, user.image.id, { format: "png", width: 120 });
    const before = await photoRenditions(user);
    expect(drawing(before, logo.id)).toHaveLength(2);
    expect(await librarySql(user.user.id, "SELECT watermark_id, sha256 FROM watermark_uses")).toEqual([
      { watermark_id: logo.id, sha256: user.image.sha256 },
    ]);

    await deleteImage(user, logo.id);

    const after = await photoRenditions(user);
    expect(drawing(after, logo.id)).toEqual([]);
    expect(after).toEqual(before.filter((name) => !name.includes(`-wm${logo.id}`)));
    expect(await listObjectKeys(user.user.id)).toContain(derivedKey(user.user.id, user.image.sha256, "").slice(0, -1));
    expect(await librarySql(user.user.id, "SELECT * FROM watermark_uses")).toEqual([]);
    // Asked for again, it is refused: the watermark is gone.
    const problem = await refused(user, user.image.id, { ...WATERMARKED, watermark: logo.id }, 404);
    expect(problem.detail).toMatch(/watermark/);
  });

  it("deleting the photo forgets its uses; the watermark's own files are untouched", async () => {
    const user = await userWithPhoto({ logo: true });
    const logo = user.logo!;
    await rendition(user, user.image.id, { ...WATERMARKED, watermark: logo.id });
    await deleteImage(user, user.image.id);
    expect(await librarySql(user.user.id, "SELECT * FROM watermark_uses")).toEqual([]);
    const keys = await listObjectKeys(user.user.id);
    expect(keys.some((key) => key.includes(user.image.sha256))).toBe(false);
    expect(keys).toContain(derivedKey(user.user.id, logo.sha256, "").slice(0, -1));
  });

  it("a watermark deleted while its rendition is being made: the file written after the delete is taken back", async () => {
    const user = await userWithPhoto({ logo: true });
    const logo = user.logo!;
    const spy = deleteWatermarkAsItsRenditionIsWritten(user);
    try {
      const response = await call(fileUrl(user.image.id, { ...WATERMARKED, watermark: logo.id }), {
        headers: bearer(user.tokens.accessToken),
      });
      expect(spy).toHaveBeenCalled();
      const problem = await expectContract(getImageFileRoute, 404, response);
      expect(problem.detail).toMatch(/watermark/);
    } finally {
      spy.mockRestore();
    }
    expect(drawing(await photoRenditions(user), logo.id)).toEqual([]);
    expect(await librarySql(user.user.id, "SELECT * FROM watermark_uses")).toEqual([]);
  });

  it("in a session, a watermark deleted while an item converts fails the item for its watermark, not its image", async () => {
    const user = await userWithPhoto({ logo: true });
    const logo = user.logo!;
    const spy = deleteWatermarkAsItsRenditionIsWritten(user);
    let session: Awaited<ReturnType<typeof waitForStatus>>;
    try {
      const { id } = await expectContract(
        createSessionRoute,
        201,
        await user.client.POST("/v1/processing-sessions", {
          body: { imageIds: [user.image.id], output: { format: "png", width: 120, watermark: { imageId: logo.id } } },
        }),
      );
      await user.client.POST("/v1/processing-sessions/{id}/start", { params: { path: { id } } });
      session = await waitForStatus(user.client, id, ["failed"]);
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(session.items.map((item) => item.error)).toEqual(["No image with the id given as `watermark`."]);
    expect(drawing(await photoRenditions(user), logo.id)).toEqual([]);
  });

  it("what a crash left (a use of a deleted watermark, its file) the library's alarm deletes", async () => {
    const user = await userWithPhoto({ logo: true });
    const logo = user.logo!;
    await rendition(user, user.image.id, { ...WATERMARKED, watermark: logo.id });
    const [name] = drawing(await photoRenditions(user), logo.id);
    // As if the object had crashed after deleting the watermark's row, before deleting what draws it.
    const ghost = "img_deletedbeforecleanup00";
    const ghostName = name!.replace(logo.id, ghost);
    await env.BUCKET.put(derivedKey(user.user.id, user.image.sha256, `r/${ghostName}`), new Uint8Array([1]));
    await librarySql(
      user.user.id,
      "INSERT INTO watermark_uses (watermark_id, sha256) VALUES (?, ?)",
      ghost,
      user.image.sha256,
    );
    const library = env.LIBRARY.getByName(user.user.id);
    await runInDurableObject(library, (_instance, state) => state.storage.setAlarm(Date.now() + 3_600_000));
    expect(await runDurableObjectAlarm(library)).toBe(true);
    const left = await photoRenditions(user);
    expect(drawing(left, ghost)).toEqual([]);
    expect(drawing(left, logo.id)).toEqual([name]); // the watermark that exists keeps its renditions
    expect(await librarySql(user.user.id, "SELECT watermark_id FROM watermark_uses")).toEqual([
      { watermark_id: logo.id },
    ]);
  });

  it("an edit of the watermark deletes the renditions that draw its earlier picture; new ones draw the edit", async () => {
    const user = await userWithPhoto({ logo: true });
    const logo = user.logo!;
    const before = await rendition(user, user.image.id, { ...WATERMARKED, watermark: logo.id });
    const [earlier] = drawing(await photoRenditions(user), logo.id);
    await putEdits(user, logo.id, { flip: "h" });
    expect(drawing(await photoRenditions(user), logo.id)).toEqual([]);
    const after = await rendition(user, user.image.id, { ...WATERMARKED, watermark: logo.id });
    const [current] = drawing(await photoRenditions(user), logo.id);
    expect(current).not.toBe(earlier);
    expect(current).toContain(`-wm${logo.id}e1_`);
    expect(after.response.headers.get("etag")).not.toBe(before.response.headers.get("etag"));
  });
});
