// A photo's location is its owner's alone: the original served through a signed link (`url`, `displayUrl`, the
// legacy layer's `data`) is patched so that it says nothing of where the photo was taken (src/images/location-
// redaction.ts), while its owner, with a bearer token, still downloads the exact bytes uploaded. The photos are the
// EXIF fixtures of test/setup/photo-fixtures.ts (sharp's JPEG, PNG, WebP and AVIF, heif-enc's HEIC).
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { readImageFile } from "../../src/images/image-file";
import { uploadImageRoute } from "../../src/images/images.routes";
import { readPhotoMetadata } from "../../src/images/photo-metadata";
import { sniffImage } from "../../src/images/sniff";
import type { ImageRow } from "../../src/images/store/image-rows";
import * as legacy from "../../src/legacy/legacy.routes";
import { ApiError } from "../../src/lib/problem";
import { call, STRONG_PASSWORD, signedInClient, uniqueEmail } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bearer, postImage, sha256Hex } from "../helpers/images";
import { photoFixture } from "../helpers/photo-fixtures";

type Client = Awaited<ReturnType<typeof signedInClient>>["client"];

const FORMATS = ["jpg", "png", "webp", "avif", "heic"] as const;

async function upload(client: Client, path: string) {
  const bytes = await photoFixture(path);
  const result = await postImage(client, bytes, path.split("/").at(-1));
  return { bytes, image: await expectContract(uploadImageRoute, 201, result) };
}

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await call(url, { headers });
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

/** What exifr (all of it, outside workerd: the pixel oracle of test/setup/image-engine.ts) reads of the GPS. */
async function exifrGps(bytes: Uint8Array): Promise<{ latitude: number | null; longitude: number | null }> {
  const response = await fetch(`${inject("pixelOracleUrl")}/exif`, { method: "POST", body: bytes });
  expect(response.status).toBe(200);
  return response.json();
}

/** The 16×16 grayscale of an image the pixel oracle (sharp) can decode (the thumbnails are WebP). */
async function gray(bytes: Uint8Array): Promise<number[]> {
  const response = await fetch(`${inject("pixelOracleUrl")}/gray?size=16`, { method: "POST", body: bytes });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { gray: number[] }).gray;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const index = a.findIndex((value, i) => value !== b[i]);
  expect(index).toBeGreaterThan(0);
  return index;
}

describe("the original through a signed link carries no location", () => {
  it.each(FORMATS)(
    "%s: no location, the same date, camera and pixels; ranges are slices of it; the owner's token gets the original",
    async (format) => {
      const { client, tokens } = await signedInClient();
      const { bytes, image } = await upload(client, `/exif/full.${format}`);
      const uploaded = await readPhotoMetadata(bytes);
      expect(uploaded.location).not.toBeNull();
      expect(image.location).not.toBeNull();

      const { response, bytes: served } = await get(image.url);
      expect(response.status).toBe(200);
      expect(response.headers.get("etag")).toBe(`"${image.sha256}-private"`);
      expect(response.headers.get("content-length")).toBe(String(bytes.length));
      expect(response.headers.get("vary")).toContain("Authorization");
      expect(served.length).toBe(bytes.length);
      expect(await readPhotoMetadata(served)).toEqual({ ...uploaded, location: null });
      expect(sniffImage(served)).toEqual(sniffImage(bytes));
      const gps = await exifrGps(served);
      expect(gps).toMatchObject({ latitude: null, longitude: null });
      // Where exifr reads the original's GPS at all (it reads no WebP, and none of these HEIF files: see
      // photo-metadata.ts), it read it before.
      if (format === "jpg" || format === "png") {
        expect((await exifrGps(bytes)).latitude).toBeCloseTo(48.8566667, 5);
      }
      if (format !== "heic") expect(image.displayUrl).toBe(image.url); // so displayUrl is the same file

      // It still decodes, to the same pixels: uploaded by someone else, it gets the same thumbnail (the Images
      // binding, here the local image engine, decodes it), and no location.
      const other = await signedInClient();
      const reuploaded = await expectContract(uploadImageRoute, 201, await postImage(other.client, served, "copy"));
      expect(reuploaded).toMatchObject({ width: image.width, height: image.height, location: null });
      expect(reuploaded.takenAt).toBe(image.takenAt);
      const thumbnails = await Promise.all([get(image.thumbnailUrl), get(reuploaded.thumbnailUrl)]);
      expect(thumbnails.map((thumbnail) => thumbnail.response.status)).toEqual([200, 200]);
      expect(await gray(thumbnails[1].bytes)).toEqual(await gray(thumbnails[0].bytes));

      // Ranges: exactly the slices of the file served whole, before, across and after the patched bytes.
      const at = firstDifference(served, bytes);
      for (const [range, start, end] of [
        [`bytes=0-${at - 1}`, 0, at],
        [`bytes=${at - 5}-${at + 300}`, at - 5, at + 301],
        [`bytes=${at}-${at}`, at, at + 1],
        [`bytes=${at + 1}-`, at + 1, bytes.length],
        ["bytes=-64", bytes.length - 64, bytes.length],
      ] as const) {
        const part = await get(image.url, { Range: range });
        expect(part.response.status, range).toBe(206);
        expect(part.response.headers.get("content-range")).toBe(`bytes ${start}-${end - 1}/${bytes.length}`);
        expect(part.response.headers.get("content-length")).toBe(String(end - start));
        expect(part.response.headers.get("etag")).toBe(`"${image.sha256}-private"`);
        expect(part.bytes, range).toEqual(served.slice(start, end));
      }

      // The owner, with a bearer token: the bytes uploaded, on the plain route and on the link alike.
      for (const url of [`/v1/images/${image.id}/file`, image.url]) {
        const owned = await get(url, bearer(tokens.accessToken) as Record<string, string>);
        expect(owned.response.status).toBe(200);
        expect(owned.response.headers.get("etag")).toBe(`"${image.sha256}"`);
        expect(await sha256Hex(owned.bytes)).toBe(image.sha256);
        expect((await readPhotoMetadata(owned.bytes)).location).toEqual(uploaded.location);
      }
      const ownedRange = await get(`/v1/images/${image.id}/file`, {
        ...(bearer(tokens.accessToken) as Record<string, string>),
        Range: `bytes=${at - 5}-${at + 300}`,
      });
      expect(ownedRange.bytes).toEqual(bytes.slice(at - 5, at + 301));
    },
  );

  it("download=1 follows the link's rule; If-None-Match revalidates against the link's own ETag", async () => {
    const { client } = await signedInClient();
    const { bytes, image } = await upload(client, "/exif/full.jpg");
    const { bytes: served } = await get(image.url);

    const downloaded = await get(`${image.url}&download=1`);
    expect(downloaded.response.status).toBe(200);
    expect(downloaded.response.headers.get("content-disposition")).toMatch(/^attachment;/);
    expect(downloaded.bytes).toEqual(served);
    expect((await readPhotoMetadata(downloaded.bytes)).location).toBeNull();

    const notModified = await get(image.url, { "If-None-Match": `"${image.sha256}-private"` });
    expect(notModified.response.status).toBe(304);
    expect(notModified.response.headers.get("etag")).toBe(`"${image.sha256}-private"`);
    // A validator of the original (a cache that held it) does not match what the link serves: the bytes come anew.
    const stale = await get(image.url, { "If-None-Match": `"${image.sha256}"` });
    expect(stale.response.status).toBe(200);
    expect(stale.bytes).toEqual(served);
    expect(served).not.toEqual(bytes);
  });

  it.each(["webp", "avif", "png"] as const)(
    "%s whose EXIF lies past the first 256 KiB: no location, whole or by range",
    async (format) => {
      const { client, tokens } = await signedInClient();
      const { bytes, image } = await upload(client, `/exif-far/full.${format}`);
      expect(image.location).not.toBeNull();
      const { response, bytes: served } = await get(image.url);
      expect(response.status).toBe(200);
      expect(response.headers.get("etag")).toBe(`"${image.sha256}-private"`);
      expect(served.length).toBe(bytes.length);
      const at = firstDifference(served, bytes);
      expect(at).toBeGreaterThan(256 * 1024);
      expect(await readPhotoMetadata(served)).toEqual({ ...(await readPhotoMetadata(bytes)), location: null });
      const tail = await get(image.url, { Range: `bytes=${at - 100}-` });
      expect(tail.response.status).toBe(206);
      expect(tail.bytes).toEqual(served.slice(at - 100));
      const owned = await get(image.url, bearer(tokens.accessToken) as Record<string, string>);
      expect(await sha256Hex(owned.bytes)).toBe(image.sha256);
    },
  );

  it("a photo without a location is served through the link as uploaded, under its SHA-256", async () => {
    const { client } = await signedInClient();
    for (const name of ["none.jpg", "noOffset.jpg", "noOffset.png"]) {
      const { bytes, image } = await upload(client, `/exif/${name}`);
      expect(image.location).toBeNull();
      const { response, bytes: served } = await get(image.url);
      expect(response.status, name).toBe(200);
      expect(response.headers.get("etag"), name).toBe(`"${image.sha256}"`);
      expect(served, name).toEqual(bytes);
      const part = await get(image.url, { Range: "bytes=0-99" });
      expect(part.bytes, name).toEqual(bytes.slice(0, 100));
    }
  });
});

describe("the legacy layer's data link", () => {
  it("serves no location: the original without it (JPEG, PNG, WebP, AVIF), the display JPEG for HEIC", async () => {
    const email = uniqueEmail();
    const json = { "Content-Type": "application/json" };
    const credentials = JSON.stringify({ email, password: STRONG_PASSWORD });
    expect((await call("/api/register", { method: "POST", headers: json, body: credentials })).status).toBe(201);
    const login = await expectContract(
      legacy.legacyLoginRoute,
      200,
      await call("/api/login", { method: "POST", headers: json, body: credentials }),
    );
    const auth = bearer(login.token) as Record<string, string>;
    const uploaded = new Map<string, Uint8Array>();
    for (const format of FORMATS) {
      const bytes = await photoFixture(`/exif/full.${format}`);
      const form = new FormData();
      form.append("image", new File([bytes], `full.${format}`));
      const response = await call("/api/upload", { method: "POST", headers: auth, body: form });
      expect(response.status, format).toBe(200);
      uploaded.set(`full.${format}`, bytes);
    }
    const listed = await expectContract(legacy.legacyImagesRoute, 200, await call("/api/images", { headers: auth }));
    expect(listed.images.map((image) => image.filename).sort()).toEqual([...uploaded.keys()].sort());
    for (const image of listed.images) {
      const original = uploaded.get(image.filename)!;
      const { response, bytes } = await get(image.data);
      expect(response.status, image.filename).toBe(200);
      const metadata = await readPhotoMetadata(bytes);
      expect(metadata.location, image.filename).toBeNull();
      if (image.filename.endsWith(".heic")) {
        expect(response.headers.get("content-type")).toBe("image/jpeg"); // the display rendition: no EXIF at all
      } else {
        // The original, as long as it was and with the rest of its EXIF: only the location is gone.
        expect(response.headers.get("content-disposition"), image.filename).toMatch(/^attachment;/);
        expect(bytes.length, image.filename).toBe(original.length);
        expect(metadata, image.filename).toEqual({ ...(await readPhotoMetadata(original)), location: null });
      }
    }
  });
});

describe("readImageFile on its own", () => {
  async function stored(path: string, metadata: string | null): Promise<{ bytes: Uint8Array; row: ImageRow }> {
    const bytes = await photoFixture(path);
    const sha256 = await sha256Hex(bytes);
    const key = `test-private-location/${crypto.randomUUID()}`;
    await env.BUCKET.put(key, bytes);
    const row: ImageRow = {
      seq: 1,
      id: "img_test",
      user_id: "usr_test",
      r2_key: key,
      filename: path.split("/").at(-1)!,
      content_type: "image/jpeg",
      bytes: bytes.length,
      width: 451,
      height: 300,
      sha256,
      tag_status: "tagged",
      tag_error: null,
      created_at: Date.now(),
      metadata,
      taken_ms: null,
      phash: null,
      edits: null,
      edit_version: 0,
    };
    return { bytes, row };
  }

  /** env.BUCKET, counting the reads and the bytes they asked for. */
  function countingBucket() {
    const counts = { reads: 0, bytes: 0 };
    const bucket = {
      get: (key: string, options?: R2GetOptions) => {
        counts.reads++;
        const range = options?.range as { length?: number } | undefined;
        counts.bytes += range?.length ?? 0;
        return env.BUCKET.get(key, options);
      },
    } as unknown as R2Bucket;
    return { bucket, counts };
  }

  async function body(file: Awaited<ReturnType<typeof readImageFile>>): Promise<Uint8Array> {
    if (file.kind === "not-modified") throw new Error("not modified");
    return new Uint8Array(await new Response(file.body).arrayBuffer());
  }

  it("a row whose metadata has not been read yet: the file itself decides (patched with GPS, as stored without)", async () => {
    const withGps = await stored("/exif/full.jpg", null);
    const file = await readImageFile(env.BUCKET, withGps.row, { audience: "link" });
    expect(file.etag).toBe(`"${withGps.row.sha256}-private"`);
    expect((await readPhotoMetadata(await body(file))).location).toBeNull();

    const withoutGps = await stored("/exif/noOffset.jpg", null);
    const plain = await readImageFile(env.BUCKET, withoutGps.row, { audience: "link" });
    expect(plain.etag).toBe(`"${withoutGps.row.sha256}"`);
    expect(await body(plain)).toEqual(withoutGps.bytes);
  });

  it("a row with a location whose file shows none is not served through a link (422), but to its owner", async () => {
    const { bytes, row } = await stored("/exif/none.jpg", JSON.stringify({ location: { latitude: 1, longitude: 2 } }));
    const refused = await readImageFile(env.BUCKET, row, { audience: "link" }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).kind).toBe("unprocessable");
    expect(await body(await readImageFile(env.BUCKET, row, { audience: "owner" }))).toEqual(bytes);
  });

  it("reads: a 304 for a known location reads nothing; the head (at most 256 KiB) and what the walk asks for", async () => {
    const metadata = JSON.stringify({ location: { latitude: 48.86, longitude: 2.29, altitude: 35 } });
    const near = await stored("/exif/full.heic", metadata);
    const etag = `"${near.row.sha256}-private"`;
    const none = countingBucket();
    expect((await readImageFile(none.bucket, near.row, { audience: "link", ifNoneMatch: etag })).kind).toBe(
      "not-modified",
    );
    expect(none.counts.reads).toBe(0);

    // A file within the head: one read, which the answer is served from.
    const head = countingBucket();
    const served = await body(await readImageFile(head.bucket, near.row, { audience: "link" }));
    expect(head.counts).toEqual({ reads: 1, bytes: near.bytes.length });
    expect((await readPhotoMetadata(served)).location).toBeNull();
    const part = countingBucket();
    const range = await body(await readImageFile(part.bucket, near.row, { audience: "link", range: "bytes=100-199" }));
    expect(part.counts.reads).toBe(1);
    expect(range).toEqual(served.slice(100, 200));

    for (const [format, reads] of [
      ["webp", 3],
      ["avif", 3],
      ["png", 3],
    ] as const) {
      const far = await stored(`/exif-far/full.${format}`, metadata);
      const counted = countingBucket();
      const served = await body(await readImageFile(counted.bucket, far.row, { audience: "link" }));
      expect((await readPhotoMetadata(served)).location, format).toBeNull();
      expect(counted.counts.reads, format).toBe(reads); // the head, one more read, then the file (streamed)
      expect(counted.counts.bytes - far.bytes.length, format).toBeLessThanOrEqual(far.bytes.length);
    }
  });
});
