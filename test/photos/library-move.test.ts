// Libraries used to live in D1 (every user's images in one database); each now lives in its owner's Durable Object,
// and moves itself there the first time it is used (library/library-engine.ts `moveFromD1`). Rows written as the old
// schema held them, including an EXIF-rotated photo stored before orientation was read (migrations/0008).
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, inject, it, vi } from "vitest";
import { getImageRoute, searchImagesRoute } from "../../src/images/images.routes";
import { listTagsRoute } from "../../src/images/tags.routes";
import type { Library } from "../../src/index";
import { createServices } from "../../src/services";
import { signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { d1Image, d1Reinsert, d1Rows } from "../helpers/d1-images";
import { libraryOf, librarySql } from "../helpers/library";
import { seedImage } from "../helpers/seed";

const photos = inject("phonePhotos");
const decode = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

it("a library still in D1 moves into its object on first use: rows, order, tags, search; then D1 forgets it", async () => {
  const { client, user } = await signedInClient();
  const rotated = await d1Image(user.id, decode(photos.oriented[6]!), [
    ["golden retriever", 0.9],
    ["tennis ball", 0.3, 1],
  ]);
  const second = await d1Image(user.id, crypto.getRandomValues(new Uint8Array(64)), [["tabby", 0.8]]);
  expect(await d1Rows(user.id)).toBe(2);

  // The first request of the owner moves the library.
  const page = await client.GET("/v1/images");
  expect(page.data?.items.map((image) => image.id)).toEqual([second.id, rotated.id]);
  const rows = await librarySql(user.id, "SELECT id, seq FROM images ORDER BY seq");
  expect(rows).toEqual([
    { id: rotated.id, seq: rotated.seq },
    { id: second.id, seq: second.seq },
  ]);
  expect(await d1Rows(user.id)).toBe(0);

  // Tags as they were (the rejected one stays hidden), searchable through broader words, counted for autocomplete.
  const got = await expectContract(
    getImageRoute,
    200,
    await client.GET("/v1/images/{id}", { params: { path: { id: rotated.id } } }),
  );
  expect(got.tags.map((tag) => tag.label)).toEqual(["golden retriever"]);
  const dog = await expectContract(
    searchImagesRoute,
    200,
    await client.GET("/v1/images/search", { params: { query: { q: "dog" } } }),
  );
  expect(dog.items.map((image) => image.id)).toEqual([rotated.id]);
  const tags = await expectContract(
    listTagsRoute,
    200,
    await client.GET("/v1/tags", { params: { query: { prefix: "dog" } } }),
  );
  expect(tags.broaderTerms).toEqual([{ term: "dog", count: 1 }]);
  expect((await client.GET("/v1/images/search", { params: { query: { q: "tennis" } } })).data?.items).toEqual([]);

  // The rotated photo's stored (sideways) size is re-read by the library's alarm (armed by the move for now; it may
  // have run already): shown 451×300 from then on.
  await runDurableObjectAlarm(env.LIBRARY.getByName(user.id));
  await vi.waitFor(async () => {
    const shown = await client.GET("/v1/images/{id}", { params: { path: { id: rotated.id } } });
    expect({ width: shown.data?.width, height: shown.data?.height }).toEqual({ width: 451, height: 300 });
  });
  expect(await librarySql(user.id, "SELECT count(*) AS n FROM images WHERE geometry_checked = 0")).toEqual([{ n: 0 }]);
});

it("the move is safe to run again: rows D1 failed to delete are not added twice, and go from D1", async () => {
  const { user } = await signedInClient();
  const image = await d1Image(user.id, crypto.getRandomValues(new Uint8Array(64)), [["pizza", 0.9]]);
  const library = libraryOf(user.id);
  expect((await library.list(10, null)).map((row) => row.id)).toEqual([image.id]);

  // As if the delete from D1 had failed after the rows were moved: the same rows in D1 again, and the move not done.
  await d1Reinsert(user.id, image.id, image.seq);
  await runInDurableObject(env.LIBRARY.getByName(user.id), (instance: Library, state) => {
    state.storage.sql.exec("UPDATE library_meta SET value = 0 WHERE key = 'moved_from_d1'");
    (instance as unknown as { engine: { opened: unknown } }).engine.opened = null;
  });

  expect((await library.list(10, null)).map((row) => row.id)).toEqual([image.id]);
  expect(await librarySql(user.id, "SELECT count(*) AS n FROM image_tags")).toEqual([{ n: 1 }]);
  expect(await d1Rows(user.id)).toBe(0);
  expect(await librarySql(user.id, "SELECT term, images FROM term_counts WHERE term = 'pizza'")).toEqual([
    { term: "pizza", images: 1 },
  ]);
});

it("the cron moves libraries nobody has opened yet", async () => {
  const { user } = await signedInClient();
  const image = await d1Image(user.id, crypto.getRandomValues(new Uint8Array(64)), [["toucan", 0.7]]);
  expect(await d1Rows(user.id)).toBe(1);
  expect((await createServices(env).images.moveLibrariesFromD1(Date.now(), 1000)).moved).toBeGreaterThanOrEqual(1);
  expect(await d1Rows(user.id)).toBe(0);
  expect(await librarySql(user.id, "SELECT id FROM images")).toEqual([{ id: image.id }]);
});

it("the cron also moves rows written to D1 after the library moved (by the previous version, mid-deployment), unless their file is gone", async () => {
  const { user } = await signedInClient();
  const library = libraryOf(user.id);
  const mine = await seedImage(user.id, [["kayak", 0.9]]); // the library has moved (nothing to move) and has uploads
  const mineSha = (await library.getRow(mine.id))!.sha256;
  // A gradual deployment serves both versions for a while: the previous one stores two uploads of this user in D1,
  // new bytes (numbered by D1: here the very seq the library gave its own upload), and bytes the library holds.
  const late = `img_${crypto.randomUUID()}`;
  expect(await env.DB.prepare("SELECT 1 FROM images WHERE seq = ?1").bind(mine.seq).first()).toBeNull();
  await d1Reinsert(user.id, late, mine.seq, "b".repeat(64), true);
  await d1Reinsert(user.id, `img_${crypto.randomUUID()}`, null, mineSha, true);
  // …and one whose file is gone: the user uploaded the same bytes on the new version, then deleted them, which
  // removed the file the old version had written. Moving it would list an image without a file.
  const gone = `img_${crypto.randomUUID()}`;
  await d1Reinsert(user.id, gone, null, "c".repeat(64));
  expect(await d1Rows(user.id)).toBe(3);

  expect((await createServices(env).images.moveLibrariesFromD1(Date.now(), 1000)).moved).toBeGreaterThanOrEqual(1);
  expect(await d1Rows(user.id)).toBe(0);
  // The new upload is the newest image (numbered after the library's own), with its tags and search document; the
  // same bytes stayed one image.
  const listed = await library.list(10, null);
  expect(listed.map((image) => image.id)).toEqual([late, mine.id]);
  expect(await library.get(gone)).toBeNull();
  expect(listed[0]!.seq).toBeGreaterThan(mine.seq);
  expect(listed[0]!.tags.map((tag) => tag.label)).toEqual(["pizza"]);
  expect(await librarySql(user.id, "SELECT term, images FROM term_counts WHERE term = 'pizza'")).toEqual([
    { term: "pizza", images: 1 },
  ]);
});
