import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getImageFileRoute as getImageFile } from "../../../src/images/images.routes";
import { renditionFailure } from "../../../src/images/renditions";
import { fetchWithSettings } from "../../helpers/app-with";
import { call, signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import { bearer, listObjectKeys, photoBytes, uploadLabelled } from "../../helpers/images";

async function uploadedPhoto() {
  const user = await signedInClient();
  const image = await uploadLabelled(user.client, await photoBytes(), [{ label: "SEASHORE", score: 0.6 }]);
  expect([image.width, image.height]).toEqual([640, 480]);
  return { ...user, image };
}

const MAGIC: Record<string, (b: Uint8Array) => boolean> = {
  "image/webp": (b) =>
    String.fromCharCode(...b.slice(0, 4)) === "RIFF" && String.fromCharCode(...b.slice(8, 12)) === "WEBP",
  "image/avif": (b) => String.fromCharCode(...b.slice(4, 12)) === "ftypavif",
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/png": (b) => b[0] === 0x89 && String.fromCharCode(...b.slice(1, 4)) === "PNG",
};

/** Width and height: AVIF from its `ispe` box (the local binding's info() reads it as HEIF and refuses), else info(). */
async function dimensions(bytes: Uint8Array): Promise<[number, number]> {
  if (MAGIC["image/avif"]!(bytes)) {
    const at = indexOf(bytes, "ispe");
    if (at < 0) throw new Error("AVIF without an ispe box");
    const view = new DataView(bytes.buffer, bytes.byteOffset + at + 8);
    return [view.getUint32(0), view.getUint32(4)];
  }
  const info = await env.IMAGES.info(new Blob([bytes]).stream());
  if (!("width" in info)) throw new Error("no dimensions");
  return [info.width, info.height];
}

function indexOf(bytes: Uint8Array, ascii: string): number {
  const needle = [...ascii].map((ch) => ch.charCodeAt(0));
  for (let i = 0; i + needle.length <= bytes.length; i++) {
    if (needle.every((byte, j) => bytes[i + j] === byte)) return i;
  }
  return -1;
}

function fileUrl(id: string, query: Record<string, string>): string {
  return `/v1/images/${id}/file?${new URLSearchParams(query)}`;
}

/** An Images binding that records what the code asks of it, then does it for real. */
function recordingImages() {
  const transforms: unknown[] = [];
  const outputs: unknown[] = [];
  const images = {
    info: (stream: ReadableStream) => env.IMAGES.info(stream),
    input(stream: ReadableStream) {
      let transformer = env.IMAGES.input(stream);
      const handle = {
        transform(options: ImageTransform) {
          transforms.push(options);
          transformer = transformer.transform(options);
          return handle;
        },
        output(options: ImageOutputOptions) {
          outputs.push(options);
          return transformer.output(options);
        },
      };
      return handle;
    },
  };
  return { images, transforms, outputs };
}

describe("renditions through GET /v1/images/{id}/file", () => {
  for (const format of ["webp", "avif", "jpeg", "png"] as const) {
    it(`${format}: real ${format} bytes at the computed size`, async () => {
      const { image, tokens } = await uploadedPhoto();
      const response = await call(fileUrl(image.id, { width: "320", format }), { headers: bearer(tokens.accessToken) });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe(`image/${format}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect(MAGIC[`image/${format}`]!(bytes)).toBe(true);
      expect(await dimensions(bytes)).toEqual([320, 240]);
      expect(response.headers.get("vary") ?? "").not.toContain("Accept");
    });
  }

  it("scale-down never enlarges, contain does; the box sent to the binding is computed by us", async () => {
    const { image, tokens } = await uploadedPhoto();
    const recorder = recordingImages();
    const get = (query: Record<string, string>) =>
      fetchWithSettings(
        new Request(`http://api.imagify.test${fileUrl(image.id, { format: "png", ...query })}`, {
          headers: bearer(tokens.accessToken),
        }),
        { IMAGES: recorder.images, IMAGE_ENGINE: "cloudflare" },
      );
    const down = await get({ width: "1280", height: "1280", fit: "scale-down" });
    expect(await dimensions(new Uint8Array(await down.arrayBuffer()))).toEqual([640, 480]);
    const contain = await get({ width: "1280", height: "1280", fit: "contain" });
    expect(await dimensions(new Uint8Array(await contain.arrayBuffer()))).toEqual([1280, 960]);
    const box = await get({ width: "100", height: "100", fit: "cover" });
    expect(box.status).toBe(200);
    await box.arrayBuffer();
    expect(recorder.transforms).toEqual([
      { width: 640, height: 480, fit: "scale-down" },
      { width: 1280, height: 960, fit: "contain" },
      // cover is Cloudflare's to do (the local binding only fits into the box): sent as asked.
      { width: 100, height: 100, fit: "cover" },
    ]);
    expect(recorder.outputs).toEqual([
      { format: "image/png", quality: 100 },
      { format: "image/png", quality: 100 },
      { format: "image/png", quality: 100 },
    ]);
  });

  it("is made once: the second request is served from R2 without a transform", async () => {
    const { image, tokens, user } = await uploadedPhoto();
    const recorder = recordingImages();
    const request = () =>
      fetchWithSettings(
        new Request(`http://api.imagify.test${fileUrl(image.id, { width: "200", format: "webp", quality: "70" })}`, {
          headers: bearer(tokens.accessToken),
        }),
        { IMAGES: recorder.images, IMAGE_ENGINE: "cloudflare" },
      );
    const first = new Uint8Array(await (await request()).arrayBuffer());
    const second = new Uint8Array(await (await request()).arrayBuffer());
    expect(second).toEqual(first);
    expect(recorder.transforms).toHaveLength(1);
    expect(recorder.outputs).toEqual([{ format: "image/webp", quality: 70 }]);
    const keys = await listObjectKeys(user.id);
    expect(keys).toHaveLength(2);
    expect(keys.some((key) => key.endsWith("/r/200x150-scale-down-q70.webp"))).toBe(true);
  });

  it("format=auto negotiates from Accept and says so in Vary; ETag and 304 per variant", async () => {
    const { image, tokens } = await uploadedPhoto();
    const get = (accept: string, etag?: string) =>
      call(fileUrl(image.id, { width: "64" }), {
        headers: { ...bearer(tokens.accessToken), Accept: accept, ...(etag ? { "If-None-Match": etag } : {}) },
      });
    const avif = await get("image/avif,image/webp,*/*");
    const webp = await get("image/webp,*/*");
    const plain = await get("*/*");
    expect([avif, webp, plain].map((r) => r.headers.get("content-type"))).toEqual([
      "image/avif",
      "image/webp",
      "image/png",
    ]);
    for (const response of [avif, webp, plain]) {
      expect(response.headers.get("vary")).toContain("Accept");
      await response.arrayBuffer();
    }
    const etag = webp.headers.get("etag")!;
    expect(new Set([avif.headers.get("etag"), etag, plain.headers.get("etag")]).size).toBe(3);
    const again = await get("image/webp,*/*", etag);
    await expectContract(getImageFile, 304, again);
  });

  it("thumbnailUrl works as <img src> with no other header, and cannot be widened into another rendition", async () => {
    const { image } = await uploadedPhoto();
    const thumb = await call(image.thumbnailUrl);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get("content-type")).toBe("image/webp");
    expect(await dimensions(new Uint8Array(await thumb.arrayBuffer()))).toEqual([256, 192]);

    for (const [name, value] of [
      ["width", "2048"],
      ["format", "png"],
      ["quality", "100"],
    ]) {
      const widened = new URL(image.thumbnailUrl);
      widened.searchParams.set(name!, value!);
      await expectContract(getImageFile, 403, await call(widened.toString()));
    }
    const dropped = new URL(image.thumbnailUrl);
    dropped.searchParams.delete("width");
    await expectContract(getImageFile, 403, await call(dropped.toString()));
    // The original's signed url does not open renditions either.
    const original = new URL(image.url);
    original.searchParams.set("width", "100");
    await expectContract(getImageFile, 403, await call(original.toString()));
  });

  it("bad parameters are 400 problems; over the pixel limit is 422; nothing is stored", async () => {
    const { image, tokens, user } = await uploadedPhoto();
    const bad: Record<string, string>[] = [
      { width: "0" },
      { width: "5000" },
      { height: "-1" },
      { quality: "0" },
      { quality: "101" },
      { format: "gif" },
      { fit: "squeeze" },
      { width: "abc" },
    ];
    for (const query of bad) {
      const problem = await expectContract(
        getImageFile,
        400,
        await call(fileUrl(image.id, query), { headers: bearer(tokens.accessToken) }),
      );
      expect(problem.errors?.[0]?.path).toBe(`query.${Object.keys(query)[0]}`);
    }
    const over = await fetchWithSettings(
      new Request(`http://api.imagify.test${fileUrl(image.id, { width: "4000", fit: "contain" })}`, {
        headers: bearer(tokens.accessToken),
      }),
      { MAX_RENDITION_PIXELS: "1000000" },
    );
    const problem = await expectContract(getImageFile, 422, over);
    expect(problem.detail).toMatch(/4000×3000.*1000000 pixels/);
    expect(await listObjectKeys(user.id)).toHaveLength(1);
  });

  it("deleting the image deletes its renditions", async () => {
    const { client, image, tokens, user } = await uploadedPhoto();
    await (await call(image.thumbnailUrl)).arrayBuffer();
    await (
      await call(fileUrl(image.id, { width: "100", format: "jpeg" }), { headers: bearer(tokens.accessToken) })
    ).arrayBuffer();
    expect(await listObjectKeys(user.id)).toHaveLength(3);
    await client.DELETE("/v1/images/{id}", { params: { path: { id: image.id } } });
    expect(await listObjectKeys(user.id)).toEqual([]);
  });

  it("another user's image has no renditions for you", async () => {
    const { image } = await uploadedPhoto();
    const other = await signedInClient();
    await expectContract(
      getImageFile,
      404,
      await call(fileUrl(image.id, { width: "100" }), { headers: bearer(other.tokens.accessToken) }),
    );
  });
  it("an image the binding cannot decode is a 422 and no rendition is stored", async () => {
    const user = await signedInClient();
    // A PNG whose header (and so its size) reads fine but whose pixel data is cut short: uploads are judged by
    // their header, so only converting it finds out.
    const truncated = (await photoBytes()).slice(0, 200);
    const image = await uploadLabelled(user.client, truncated, []);
    const before = await listObjectKeys(user.user.id);
    const response = await call(fileUrl(image.id, { width: "64", format: "webp" }), {
      headers: bearer(user.tokens.accessToken),
    });
    const problem = await expectContract(getImageFile, 422, response);
    expect(problem.detail).toMatch(/cannot be converted/);
    expect(await listObjectKeys(user.user.id)).toEqual(before);
  });

  it("a failure of the image service itself is a retryable 503; one about the input is a final 422", () => {
    const unavailable = renditionFailure(new Error("Network connection lost."));
    expect([unavailable.status, unavailable.headers?.["Retry-After"]]).toEqual([503, "5"]);
    expect(renditionFailure(Object.assign(new Error("internal"), { code: 9500 })).status).toBe(503);
    expect(renditionFailure(Object.assign(new Error("not an image"), { code: 9412 })).status).toBe(422);
    expect(renditionFailure(Object.assign(new Error("too large"), { code: 9413 })).status).toBe(422);
  });
});
