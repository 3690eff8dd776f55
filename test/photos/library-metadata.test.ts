// The photo library's metadata, through the API: what a photo says about itself (EXIF written by sharp into a real
// photo, test/setup/photo-fixtures.ts), the timeline by date taken, near-duplicates, and a library object written by
// the previous schema version catching up (library-schema.ts).
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import {
  listImagesRoute,
  listSimilarImagesRoute,
  searchImagesRoute,
  uploadImageRoute,
} from "../../src/images/images.routes";
import { NEAR_DUPLICATE_DISTANCE } from "../../src/images/perceptual-hash";
import { readPhotoMetadata } from "../../src/images/photo-metadata";
import { originalKey } from "../../src/images/store/image-objects";
import { LIBRARY_SCHEMA } from "../../src/images/store/library-schema";
import { call, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { postImage, sha256Hex, taggerInputSha } from "../helpers/images";
import { libraryOf } from "../helpers/library";
import { photoFixture } from "../helpers/photo-fixtures";

type Client = Awaited<ReturnType<typeof signedInClient>>["client"];

async function upload(client: Client, path: string, labels: { label: string; score: number }[] = []) {
  const bytes = await photoFixture(path);
  if (labels.length > 0) await env.AI_STUB.program(await taggerInputSha(bytes), { output: labels });
  const result = await postImage(client, bytes, path.split("/").at(-1));
  return expectContract(uploadImageRoute, result.response.status as 200 | 201, result);
}

describe("what a photo says about itself", () => {
  it("an upload carries when, with what and (to its owner) where it was taken; its renditions carry no location", async () => {
    const { client } = await signedInClient();
    const image = await upload(client, "/exif/full.jpg");
    expect(image).toMatchObject({
      takenAt: "2019-07-14T12:34:56+02:00",
      camera: { make: "Canon", model: "Canon EOS 5D Mark IV", lens: "EF50mm f/1.8 STM" },
      exposure: { iso: 400, aperture: 2.8, shutter: "1/250", focalLength: 50 },
      location: { latitude: expect.closeTo(48.8566667, 6), longitude: expect.closeTo(2.2944444, 6), altitude: 35 },
    });
    const thumbnail = new Uint8Array(await (await call(image.thumbnailUrl)).arrayBuffer());
    expect((await readPhotoMetadata(thumbnail)).location).toBeNull();
    const page = await expectContract(listImagesRoute, 200, await client.GET("/v1/images"));
    expect(page.items[0]?.takenAt).toBe("2019-07-14T12:34:56+02:00");
  });

  it("a photo without EXIF has no metadata; one without an offset keeps its wall-clock time", async () => {
    const { client } = await signedInClient();
    expect(await upload(client, "/exif/none.jpg")).toMatchObject({
      takenAt: null,
      camera: null,
      exposure: null,
      location: null,
    });
    expect((await upload(client, "/exif/noOffset.jpg")).takenAt).toBe("2021-12-31T23:59:59");
  });
});

describe("the timeline", () => {
  it("sort=taken orders by date taken (upload time when unknown), pages stably, and filters by period", async () => {
    const { client } = await signedInClient();
    const tabby = [{ label: "TABBY", score: 0.9 }];
    const full = await upload(client, "/exif/full.jpg", tabby); // 2019-07-14
    const noOffset = await upload(client, "/exif/noOffset.jpg", tabby); // 2021-12-31
    const digitized = await upload(client, "/exif/digitized.jpg", tabby); // 2020-02-29
    const none = await upload(client, "/exif/none.jpg", tabby); // unknown: uploaded now
    const timeline = [none.id, noOffset.id, digitized.id, full.id];

    const list = async (query: Record<string, string | number>) =>
      expectContract(listImagesRoute, 200, await client.GET("/v1/images", { params: { query: query as never } }));
    expect((await list({ sort: "taken" })).items.map((image) => image.id)).toEqual(timeline);
    // Uploaded order is different: the uploads came in another order.
    expect((await list({})).items.map((image) => image.id)).toEqual([none.id, digitized.id, noOffset.id, full.id]);

    // One at a time, following the cursor: the same order, each once.
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list({ sort: "taken", limit: 1, ...(cursor ? { cursor } : {}) });
      paged.push(...page.items.map((image) => image.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(timeline);

    const period = { takenFrom: "2019-01-01", takenTo: "2020-12-31" };
    expect((await list({ sort: "taken", ...period })).items.map((image) => image.id)).toEqual([digitized.id, full.id]);
    expect(
      (await list({ sort: "taken", takenFrom: "2020-02-29T10:07:08Z", takenTo: "2020-02-29T10:07:08Z" })).items.map(
        (image) => image.id,
      ),
    ).toEqual([digitized.id]); // 06:07:08 at -04:00
    const searched = await expectContract(
      searchImagesRoute,
      200,
      await client.GET("/v1/images/search", { params: { query: { q: "tabby", ...period } } }),
    );
    expect(searched.items.map((image) => image.id).sort()).toEqual([digitized.id, full.id].sort());

    const refused = await client.GET("/v1/images", { params: { query: { takenFrom: "2019-01-01" } } });
    expect(refused.response.status).toBe(400);
    expect(JSON.stringify(refused.error)).toContain("takenFrom");
    const backwards = await client.GET("/v1/images", {
      params: { query: { sort: "taken", takenFrom: "2021-01-01", takenTo: "2020-01-01" } },
    });
    expect(backwards.response.status).toBe(400);
  });
});

describe("near-duplicates", () => {
  it("a resized copy and a recompressed copy are found, on upload and by /similar; a different photo is not", async () => {
    const { client } = await signedInClient();
    const original = await upload(client, "/photo/chelsea.png/original");
    expect(original.similar).toEqual([]);
    const half = await upload(client, "/photo/chelsea.png/half");
    expect(half.similar).toEqual([{ id: original.id, distance: expect.any(Number) }]);
    expect(half.similar[0]!.distance).toBeLessThanOrEqual(NEAR_DUPLICATE_DISTANCE);
    const recompressed = await upload(client, "/photo/chelsea.png/quality40");
    const other = await upload(client, "/photo/coffee.png/original");
    expect(other.similar).toEqual([]);

    const similar = await expectContract(
      listSimilarImagesRoute,
      200,
      await client.GET("/v1/images/{id}/similar", { params: { path: { id: original.id }, query: {} } }),
    );
    expect(similar.items.map((image) => image.id).sort()).toEqual([half.id, recompressed.id].sort());
    for (const item of similar.items) expect(item.distance).toBeLessThanOrEqual(NEAR_DUPLICATE_DISTANCE);

    const stranger = await signedInClient();
    const foreign = await stranger.client.GET("/v1/images/{id}/similar", {
      params: { path: { id: original.id }, query: {} },
    });
    expect(foreign.response.status).toBe(404);
  });
});

describe("a library written by the previous schema version", () => {
  it("opens, gains the new columns, and its alarm reads the metadata of the images it had", async () => {
    const { user } = await signedInClient();
    const bytes = await photoFixture("/exif/full.jpg");
    const sha256 = await sha256Hex(bytes);
    await env.BUCKET.put(originalKey(user.id, sha256), bytes);
    // The object as version 1 left it: its schema, its owner, one image.
    await runInDurableObject(env.LIBRARY.getByName(user.id), (_instance, state) => {
      const { sql } = state.storage;
      sql.exec("CREATE TABLE library_meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID");
      sql.exec(LIBRARY_SCHEMA[0]!);
      for (const [key, value] of [
        ["schema", 1],
        ["owner", user.id],
        ["moved_from_d1", 1],
      ] as const) {
        sql.exec("INSERT INTO library_meta (key, value) VALUES (?, ?)", key, value);
      }
      sql.exec(
        `INSERT INTO images (id, r2_key, filename, content_type, bytes, width, height, sha256, tag_status, created_at)
         VALUES ('img_v1', ?, 'old.jpg', 'image/jpeg', ?, 451, 300, ?, 'tagged', ?)`,
        originalKey(user.id, sha256),
        bytes.length,
        sha256,
        Date.now(),
      );
    });

    const library = libraryOf(user.id);
    const before = await library.get("img_v1");
    expect(before?.photo.takenAt).toBeNull(); // not read yet
    await runDurableObjectAlarm(env.LIBRARY.getByName(user.id));
    await vi.waitFor(async () => {
      expect((await library.get("img_v1"))?.photo.takenAt).toBe("2019-07-14T12:34:56+02:00");
    });
    const version = await runInDurableObject(env.LIBRARY.getByName(user.id), (_instance, state) =>
      state.storage.sql.exec<{ value: number }>("SELECT value FROM library_meta WHERE key = 'schema'").one(),
    );
    expect(version.value).toBe(LIBRARY_SCHEMA.length);
    expect((await library.get("img_v1"))?.phash).toMatch(/^[0-9a-f]{16}$/);
  });
});
