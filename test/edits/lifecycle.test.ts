// An edit's life: kept in the owner's library (any login sees it), versioned (new links, new ETags, no file of an
// earlier edit served or kept), reverted exactly, and never touching the original.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loginRoute } from "../../src/auth/auth.routes";
import { putImageEditsRoute } from "../../src/images/edits.routes";
import { legacyImagesRoute, legacyLoginRoute } from "../../src/legacy/legacy.routes";
import { call, newClient, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { grayDistance } from "../helpers/grayscale";
import { bearer, bytesEqual, listObjectKeys } from "../helpers/images";
import { oracle, PHOTO, userWithPhoto } from "../options/helpers";
import { fetchLink, putEdits, readImage, revertEdits, sha256 } from "./helpers";

const editVersionOf = (url: string) => new URL(url).searchParams.get("ev");

describe("an image's edits", () => {
  it("survive a second login: a new client of the same user sees the edited image", async () => {
    const user = await userWithPhoto();
    const edited = await putEdits(user, user.image.id, { rotate: 270, brightness: 1.2 });
    const other = newClient();
    const login = await expectContract(
      loginRoute,
      200,
      await other.POST("/v1/auth/login", { body: { email: user.email, password: user.password } }),
    );
    other.tokens.set(login.tokens);
    const seen = await readImage({ ...user, client: other, tokens: login.tokens }, user.image.id);
    expect(seen.edits).toEqual({ rotate: 270, brightness: 1.2 });
    expect([seen.width, seen.height]).toEqual([edited.width, edited.height]);
    const first = await fetchLink(edited.thumbnailUrl);
    const second = await fetchLink(seen.thumbnailUrl);
    expect(bytesEqual(first.bytes, second.bytes)).toBe(true);
    expect(second.response.headers.get("etag")).toBe(first.response.headers.get("etag"));
  });

  it("DELETE …/edits reverts exactly: the thumbnail is the original's again, byte for byte", async () => {
    const user = await userWithPhoto();
    const before = await fetchLink(user.image.thumbnailUrl);
    const edited = await putEdits(user, user.image.id, { crop: { x: 10, y: 10, width: 300, height: 200 }, gamma: 1.5 });
    const during = await fetchLink(edited.thumbnailUrl);
    expect(bytesEqual(during.bytes, before.bytes)).toBe(false);

    const reverted = await revertEdits(user, user.image.id);
    expect(reverted.edits).toBeNull();
    expect([reverted.width, reverted.height]).toEqual([user.image.width, user.image.height]);
    const after = await fetchLink(reverted.thumbnailUrl);
    expect(bytesEqual(after.bytes, before.bytes)).toBe(true);
    // The same picture, under its own version: a cache holding the edited one under a link or ETag cannot reuse it.
    expect(reverted.thumbnailUrl).not.toBe(edited.thumbnailUrl);
    expect(after.response.headers.get("etag")).not.toBe(during.response.headers.get("etag"));
    // Reverting what has no edits changes nothing.
    expect((await revertEdits(user, user.image.id)).thumbnailUrl).toBe(reverted.thumbnailUrl);
  });

  it("never changes the original: its SHA-256, its bytes and its url stay", async () => {
    const user = await userWithPhoto();
    const uploadedSha = await sha256(PHOTO);
    expect(user.image.sha256).toBe(uploadedSha);
    const original = async (url: string) => {
      expect(editVersionOf(url)).toBeNull();
      const { bytes, response } = await fetchLink(url);
      expect(response.headers.get("etag")).toBe(`"${uploadedSha}"`);
      return bytes;
    };
    expect(bytesEqual(await original(user.image.url), PHOTO)).toBe(true);
    const edited = await putEdits(user, user.image.id, { rotate: 90, crop: { x: 0, y: 0, width: 200, height: 200 } });
    expect(edited.sha256).toBe(uploadedSha);
    expect(edited.bytes).toBe(PHOTO.length);
    expect(bytesEqual(await original(edited.url), PHOTO)).toBe(true);
    // With a bearer token too, and the stored object itself.
    const direct = await call(`/v1/images/${user.image.id}/file`, { headers: bearer(user.tokens.accessToken) });
    expect(bytesEqual(new Uint8Array(await direct.arrayBuffer()), PHOTO)).toBe(true);
    const stored = await env.BUCKET.get((await listObjectKeys(user.user.id)).find((key) => key.endsWith(uploadedSha))!);
    expect(await sha256(new Uint8Array(await stored!.arrayBuffer()))).toBe(uploadedSha);
    const reverted = await revertEdits(user, user.image.id);
    expect(bytesEqual(await original(reverted.url), PHOTO)).toBe(true);
  });

  it("a link made before an edit never serves the earlier picture; the earlier edit's files are deleted", async () => {
    const user = await userWithPhoto();
    const old = await fetchLink(user.image.thumbnailUrl);
    const oldEtag = old.response.headers.get("etag")!;
    const edited = await putEdits(user, user.image.id, { flip: "v" });
    expect(editVersionOf(edited.thumbnailUrl)).toBe("1");
    expect(editVersionOf(user.image.thumbnailUrl)).toBeNull();
    const current = await fetchLink(edited.thumbnailUrl);
    const currentEtag = current.response.headers.get("etag")!;
    expect(currentEtag).not.toBe(oldEtag);
    expect(currentEtag).toContain("-e1-");

    // The old link still opens (its signature holds) but shows the image as edited now, under the new ETag.
    const again = await call(user.image.thumbnailUrl, { headers: { "If-None-Match": oldEtag } });
    expect(again.status).toBe(200);
    expect(again.headers.get("etag")).toBe(currentEtag);
    expect(bytesEqual(new Uint8Array(await again.arrayBuffer()), current.bytes)).toBe(true);
    expect(bytesEqual(current.bytes, old.bytes)).toBe(false);
    const upsideDown = await oracle("/gray?size=16", current.bytes);
    const photo = await oracle("/gray?size=16&flip=1", PHOTO);
    expect(grayDistance(upsideDown.gray, photo.gray)).toBeLessThan(3);

    // Only renditions of the current edit are left in storage (plus the original).
    const renditions = (await listObjectKeys(user.user.id)).filter((key) => key.includes("/r/"));
    expect(renditions.length).toBeGreaterThan(0);
    expect(
      renditions.every((key) => key.includes("/r/e1-")),
      renditions.join("\n"),
    ).toBe(true);

    // The same edits again change nothing (links and files stay); other edits move the version on.
    expect((await putEdits(user, user.image.id, { flip: "v" })).thumbnailUrl).toBe(edited.thumbnailUrl);
    expect(editVersionOf((await putEdits(user, user.image.id, { flip: "h" })).thumbnailUrl)).toBe("2");
    await fetchLink((await readImage(user, user.image.id)).thumbnailUrl);
    const left = (await listObjectKeys(user.user.id)).filter((key) => key.includes("/r/"));
    expect(
      left.every((key) => key.includes("/r/e2-")),
      left.join("\n"),
    ).toBe(true);
  });

  it("the display image and the legacy `data` link show the edited picture", async () => {
    const user = await userWithPhoto();
    const edited = await putEdits(user, user.image.id, { rotate: 90 });
    const turned = await oracle("/gray?size=16&rotate=90", PHOTO);
    const display = await oracle("/gray?size=16", (await fetchLink(edited.displayUrl)).bytes);
    expect([display.format, display.width, display.height]).toEqual(["png", 300, 451]);
    expect(grayDistance(display.gray, turned.gray)).toBeLessThan(1);

    const { token } = await expectContract(
      legacyLoginRoute,
      200,
      await call("/api/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: user.email, password: user.password }),
      }),
    );
    const legacy = await expectContract(legacyImagesRoute, 200, await call("/api/images", { headers: bearer(token) }));
    const data = legacy.images.find((image) => image.id === user.image.id)!.data;
    const shown = await oracle("/gray?size=16", (await fetchLink(data)).bytes);
    expect([shown.width, shown.height]).toEqual([300, 451]);
    expect(grayDistance(shown.gray, turned.gray)).toBeLessThan(1);
  });

  it("refuses what is not an edit of your image: 400 naming the parameter, 404 for another user's image", async () => {
    const user = await userWithPhoto();
    const put = (id: string, body: unknown, who: { tokens: { accessToken: string } } = user) =>
      call(`/v1/images/${id}/edits`, {
        method: "PUT",
        headers: { ...bearer(who.tokens.accessToken), "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const paths = async (body: unknown) => {
      const problem = await expectContract(putImageEditsRoute, 400, await put(user.image.id, body));
      return problem.errors?.map((error) => error.path);
    };
    // 451×300 as shown: a crop reaching past the right or bottom edge lies outside it.
    expect(await paths({ crop: { x: 300, y: 0, width: 200, height: 100 } })).toEqual(["body.crop"]);
    expect(await paths({ crop: { x: 0, y: 250, width: 100, height: 51 } })).toEqual(["body.crop"]);
    expect(await paths({ crop: { x: 0, y: 0, width: 0, height: 10 } })).toEqual(["body.crop.width"]);
    expect(await paths({ rotate: 45 })).toEqual(["body.rotate"]);
    expect(await paths({ brightness: 0 })).toEqual(["body.brightness"]);
    expect(await paths({ flip: "x" })).toEqual(["body.flip"]);
    expect((await put(user.image.id, { blur: 3 })).status).toBe(400);
    // A crop of the whole image and factors of 1 are no edit at all.
    const none = await putEdits(user, user.image.id, { crop: { x: 0, y: 0, width: 451, height: 300 }, contrast: 1 });
    expect(none.edits).toBeNull();

    const stranger = await signedInClient();
    expect((await put(user.image.id, { rotate: 90 }, stranger)).status).toBe(404);
    const revert = await call(`/v1/images/${user.image.id}/edits`, {
      method: "DELETE",
      headers: bearer(stranger.tokens.accessToken),
    });
    expect(revert.status).toBe(404);
    expect((await readImage(user, user.image.id)).edits).toBeNull();
  });
});
