// Photos as phones store them: a real photo (scikit-image's chelsea.png, 451×300) written with each EXIF orientation
// 1–8, and as HEIC made by Debian's heif-enc (test/setup/image-engine.ts makes them). Judged by their pixels: a
// small grayscale of what the API serves, made by the pixel oracle (sharp, outside workerd), against one of the
// upright photo.
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { uploadImageRoute } from "../../src/images/images.routes";
import { TAGGING_SIDE, taggingInput } from "../../src/images/taggers";
import { legacyUploadRoute } from "../../src/legacy/legacy.routes";
import { createServices } from "../../src/services";
import { call, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { grayDistance, quarterTurnLeft, UPRIGHT_DISTANCE } from "../helpers/grayscale";
import { countImageRows, listObjectKeys, postImage, taggerInputSha } from "../helpers/images";

const photos = inject("phonePhotos");
const decode = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
const upright = decode(photos.upright);

interface Seen {
  format: string;
  width: number;
  height: number;
  gray: number[];
}

/** What the pixel oracle sees in `bytes`: format, size, and a 16×16 grayscale. */
async function see(bytes: Uint8Array): Promise<Seen> {
  const response = await fetch(`${inject("pixelOracleUrl")}/gray?size=16`, { method: "POST", body: bytes });
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

/** GET a signed link of the API (absolute, as responses give them) through the Worker. */
async function fetchLink(url: string): Promise<Uint8Array> {
  const { pathname, search } = new URL(url);
  const response = await call(pathname + search);
  expect(response.status, `${url} answered ${response.status}`).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

const reference = await see(upright);

describe("phone photos: EXIF orientation", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    "orientation %i: shown 451×300, thumbnail and renditions upright, tagged from the upright photo",
    async (orientation) => {
      const { client } = await signedInClient();
      const bytes = decode(photos.oriented[orientation]!);
      const stored = await see(bytes);
      // Stored as the camera wrote it: sideways for 5–8.
      expect([stored.width, stored.height]).toEqual(orientation >= 5 ? [300, 451] : [451, 300]);
      await env.AI_STUB.program(await taggerInputSha(bytes), { output: [{ label: "TABBY", score: 0.8 }] });

      const image = await expectContract(uploadImageRoute, 201, await postImage(client, bytes, "IMG_0001.JPG"));
      expect({ width: image.width, height: image.height }).toEqual({ width: 451, height: 300 });
      expect(image.tags.map((tag) => tag.label)).toEqual(["tabby"]);

      const thumbnail = await see(await fetchLink(image.thumbnailUrl));
      expect({ format: thumbnail.format, width: thumbnail.width, height: thumbnail.height }).toEqual({
        format: "webp",
        width: 256,
        height: 170,
      });
      expect(grayDistance(thumbnail.gray, reference.gray)).toBeLessThan(UPRIGHT_DISTANCE);

      const resized = await client.GET("/v1/images/{id}/file", {
        params: { path: { id: image.id }, query: { width: 300, format: "png" } },
        parseAs: "arrayBuffer",
      });
      const seen = await see(new Uint8Array(resized.data as ArrayBuffer));
      expect({ width: seen.width, height: seen.height }).toEqual({ width: 300, height: 200 });
      expect(grayDistance(seen.gray, reference.gray)).toBeLessThan(UPRIGHT_DISTANCE);
    },
  );

  it("the model is shown the upright photo at its scale, as a small JPEG", async () => {
    const images = createServices(env).platform.images;
    const original = decode(photos.oriented[6]!);
    const input = await taggingInput(images, original);
    const seen = await see(input);
    expect({ format: seen.format, width: seen.width, height: seen.height }).toEqual({
      format: "jpeg",
      width: TAGGING_SIDE,
      height: 255,
    });
    expect(grayDistance(seen.gray, reference.gray)).toBeLessThan(UPRIGHT_DISTANCE);
    expect(input.byteLength).toBeLessThan(original.byteLength / 2);
  });
});

describe("phone photos: HEIC", () => {
  it("a HEIC upload is accepted, tagged, and shown as web images: thumbnail WebP, display JPEG, both upright", async () => {
    const { client, user } = await signedInClient();
    const heic = decode(photos.heic);
    await env.AI_STUB.program(await taggerInputSha(heic), { output: [{ label: "CUP", score: 0.7 }] });
    const image = await expectContract(uploadImageRoute, 201, await postImage(client, heic, "IMG_0002.HEIC"));
    expect(image).toMatchObject({ contentType: "image/heic", width: 451, height: 300, tagStatus: "tagged" });
    expect(image.tags.map((tag) => tag.label)).toEqual(["cup"]);

    // The original stays as uploaded, for download.
    const original = await fetchLink(image.url);
    expect(original).toEqual(heic);
    expect(image.displayUrl).not.toBe(image.url);
    const display = await see(await fetchLink(image.displayUrl));
    expect({ format: display.format, width: display.width, height: display.height }).toEqual({
      format: "jpeg",
      width: 451,
      height: 300,
    });
    expect(grayDistance(display.gray, reference.gray)).toBeLessThan(UPRIGHT_DISTANCE);
    const thumbnail = await see(await fetchLink(image.thumbnailUrl));
    expect(thumbnail.format).toBe("webp");
    expect(grayDistance(thumbnail.gray, reference.gray)).toBeLessThan(UPRIGHT_DISTANCE);
    expect(await countImageRows(user.id)).toBe(1);
  });

  it("a HEIC whose primary image is turned (irot) is shown turned: 300×451, and so are its renditions", async () => {
    const { client } = await signedInClient();
    const heic = decode(photos.heicRotated);
    const image = await expectContract(uploadImageRoute, 201, await postImage(client, heic, "IMG_0003.HEIC"));
    expect({ width: image.width, height: image.height }).toEqual({ width: 300, height: 451 });
    const display = await see(await fetchLink(image.displayUrl));
    expect({ width: display.width, height: display.height }).toEqual({ width: 300, height: 451 });
    expect(grayDistance(display.gray, quarterTurnLeft(reference.gray))).toBeLessThan(UPRIGHT_DISTANCE);
  });

  it("a HEIC that declares 20000×20000 is refused before anything decodes it, and nothing is stored", async () => {
    const { client, user } = await signedInClient();
    const problem = await expectContract(
      uploadImageRoute,
      422,
      await postImage(client, decode(photos.heicHuge), "huge.heic"),
    );
    expect(problem.detail).toMatch(/20000×20000 exceeds the limit/);
    expect(await countImageRows(user.id)).toBe(0);
    expect(await listObjectKeys(user.id)).toEqual([]);
  });

  it("the legacy layer's `data` link of a HEIC renders: an upright JPEG", async () => {
    const login = await call("/api/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(await registered()),
    });
    const { token } = (await login.json()) as { token: string };
    const form = new FormData();
    form.append("image", new File([decode(photos.heic)], "IMG_0004.HEIC"));
    const uploaded = await call("/api/upload", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    const body = await expectContract(legacyUploadRoute, 200, uploaded);
    const shown = await see(await fetchLink(body.image.data));
    expect(shown.format).toBe("jpeg");
    expect(grayDistance(shown.gray, reference.gray)).toBeLessThan(UPRIGHT_DISTANCE);
  });
});

describe("renditions through the local image engine", () => {
  it("quality changes the bytes; cover fills the exact box", async () => {
    const { client } = await signedInClient();
    const image = await expectContract(uploadImageRoute, 201, await postImage(client, upright, "chelsea.png"));
    const get = async (query: Record<string, string | number>) => {
      const result = await client.GET("/v1/images/{id}/file", {
        params: { path: { id: image.id }, query: query as never },
        parseAs: "arrayBuffer",
      });
      return new Uint8Array(result.data as ArrayBuffer);
    };
    const low = await get({ width: 300, format: "webp", quality: 20 });
    const high = await get({ width: 300, format: "webp", quality: 95 });
    expect(low.byteLength).toBeLessThan(high.byteLength * 0.7);
    const cover = await see(await get({ width: 200, height: 200, fit: "cover", format: "jpeg" }));
    expect({ width: cover.width, height: cover.height }).toEqual({ width: 200, height: 200 });
  });
});

async function registered() {
  const email = `${crypto.randomUUID()}@example.com`;
  const credentials = { email, password: "correct horse battery staple" };
  const response = await call("/api/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(credentials),
  });
  expect(response.status).toBe(201);
  return credentials;
}
