// Libraries used to live in D1 (every user's images in one database); each now lives in its owner's Durable Object,
// and moves itself there the first time it is used (store/library-engine.ts `moveFromD1`). Rows written as the old
// schema held them, including an EXIF-rotated photo stored before orientation was read (migrations/0008).
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, inject, it, vi } from "vitest";
import { getImageRoute, searchImagesRoute } from "../../src/images/images.routes";
import { originalKey } from "../../src/images/store/image-objects";
import { listTagsRoute } from "../../src/images/tags.routes";
import type { Library } from "../../src/index";
import { createServices } from "../../src/services";
import { signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { libraryOf, librarySql } from "../helpers/library";
import { seedImage } from "../helpers/seed";

const photos = inject("phonePhotos");
const decode = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/** An image as D1 held it before the move, with its tags and search document (as migrations 0002–0011 wrote them). */
async function d1Image(userId: string, bytes: Uint8Array, tags: [label: string, score: number, rejected?: 1][]) {
  const sha256 = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  const key = originalKey(userId, sha256);
  await env.BUCKET.put(key, bytes);
  const id = `img_${crypto.randomUUID()}`;
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO images (id, user_id, r2_key, filename, content_type, bytes, width, height, sha256, tag_status,
         tag_error, created_at, geometry_checked)
       VALUES (?1, ?2, ?3, 'old.jpg', 'image/jpeg', ?4, 300, 451, ?5, 'tagged', NULL, ?6, 0)`,
    ).bind(id, userId, key, bytes.length, sha256, Date.now()),
    ...tags.map(([label, score, rejected]) =>
      env.DB.prepare(
        `INSERT INTO image_tags (image_id, user_id, label, score, source, model, rejected)
         VALUES (?1, ?2, ?3, ?4, 'ai', 'resnet', ?5)`,
      ).bind(id, userId, label, score, rejected ?? 0),
    ),
  ]);
  const { seq } = (await env.DB.prepare("SELECT seq FROM images WHERE id = ?1").bind(id).first<{ seq: number }>())!;
  return { id, seq };
}

const d1Rows = async (userId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM images WHERE user_id = ?1").bind(userId).first<{ n: number }>())!.n;

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

/** A row (tagged pizza) written straight into D1: at `seq`, or D1's next one when null. */
async function d1Reinsert(userId: string, id: string, seq: number | null, sha256 = "a".repeat(64)) {
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO images (seq, id, user_id, r2_key, filename, content_type, bytes, width, height, sha256, tag_status,
         created_at) VALUES (?1, ?2, ?3, 'k', 'f.jpg', 'image/jpeg', 1, 1, 1, ?4, 'tagged', 0)`,
    ).bind(seq, id, userId, sha256),
    env.DB.prepare(
      "INSERT INTO image_tags (image_id, user_id, label, score, source, model) VALUES (?1, ?2, 'pizza', 0.9, 'ai', 'resnet')",
    ).bind(id, userId),
  ]);
}

it("the cron moves libraries nobody has opened yet", async () => {
  const { user } = await signedInClient();
  const image = await d1Image(user.id, crypto.getRandomValues(new Uint8Array(64)), [["toucan", 0.7]]);
  expect(await d1Rows(user.id)).toBe(1);
  expect(await createServices(env).images.moveLibrariesFromD1(1000)).toBeGreaterThanOrEqual(1);
  expect(await d1Rows(user.id)).toBe(0);
  expect(await librarySql(user.id, "SELECT id FROM images")).toEqual([{ id: image.id }]);
});

it("the cron also moves rows written to D1 after the library moved (by the previous version, mid-deployment)", async () => {
  const { user } = await signedInClient();
  const library = libraryOf(user.id);
  const mine = await seedImage(user.id, [["kayak", 0.9]]); // the library has moved (nothing to move) and has uploads
  const mineSha = (await library.getRow(mine.id))!.sha256;
  // A gradual deployment serves both versions for a while: the previous one stores two uploads of this user in D1,
  // new bytes (numbered by D1: here the very seq the library gave its own upload), and bytes the library holds.
  const late = `img_${crypto.randomUUID()}`;
  expect(await env.DB.prepare("SELECT 1 FROM images WHERE seq = ?1").bind(mine.seq).first()).toBeNull();
  await d1Reinsert(user.id, late, mine.seq, "b".repeat(64));
  await d1Reinsert(user.id, `img_${crypto.randomUUID()}`, null, mineSha);
  expect(await d1Rows(user.id)).toBe(2);

  expect(await createServices(env).images.moveLibrariesFromD1(1000)).toBeGreaterThanOrEqual(1);
  expect(await d1Rows(user.id)).toBe(0);
  // The new upload is the newest image (numbered after the library's own), with its tags and search document; the
  // same bytes stayed one image.
  const listed = await library.list(10, null);
  expect(listed.map((image) => image.id)).toEqual([late, mine.id]);
  expect(listed[0]!.seq).toBeGreaterThan(mine.seq);
  expect(listed[0]!.tags.map((tag) => tag.label)).toEqual(["pizza"]);
  expect(await librarySql(user.id, "SELECT term, images FROM term_counts WHERE term = 'pizza'")).toEqual([
    { term: "pizza", images: 1 },
  ]);
});
