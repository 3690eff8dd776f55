// D1's old image tables (migrations/0002–0011) go once every library has moved out of them: the cron records when it
// first finds them empty (maintenance_milestones, migrations/0013) and drops them when they have stayed empty for an
// hour (ImageService.moveLibrariesFromD1, store/d1-images.ts). Asserted on D1's schema and rows, not on reports alone.
//
// The tests run in order on this file's own D1 (each test file gets its own storage): the tables are there for the
// first three tests and gone from the fourth on.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { deleteAccountRoute } from "../../src/auth/me.routes";
import { listImagesRoute, searchImagesRoute } from "../../src/images/images.routes";
import {
  deleteD1Images,
  dropD1ImageTables,
  ownersWithD1Images,
  readD1Images,
  retireD1ImageTables,
} from "../../src/images/store/d1-images";
import type { Library } from "../../src/index";
import { createServices } from "../../src/services";
import { call, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { d1Image, d1Rows } from "../helpers/d1-images";
import { bearer, uniqueImage, uploadLabelled } from "../helpers/images";
import { librarySql } from "../helpers/library";
import { seedUser } from "../helpers/seed";

const HOUR = 60 * 60 * 1000;
const maintain = (now: number) => createServices(env).images.maintain(now);
const randomBytes = () => crypto.getRandomValues(new Uint8Array(64));

/** What 0002–0011 made around the old tables: the tables, the search index's owner numbers, indexes, the trigger. */
const OLD_SCHEMA = [
  "image_search",
  "image_search_owner",
  "image_tags",
  "image_tags_user_label",
  "images",
  "images_geometry_pending",
  "images_search_delete",
  "images_tag_pending",
  "images_user_seq",
];

/** Everything in D1's schema on or of the old tables (FTS5's shadow tables and SQLite's own indexes included). */
async function oldSchema(): Promise<string[]> {
  const { results } = await env.DB.prepare(
    `SELECT name FROM sqlite_master
     WHERE tbl_name IN ('images', 'image_tags', 'image_search', 'image_search_owner') OR name LIKE 'image%search%'
     ORDER BY name`,
  ).all<{ name: string }>();
  return results.map((row) => row.name);
}

async function milestones(): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare("SELECT name, at FROM maintenance_milestones").all<{
    name: string;
    at: number;
  }>();
  return Object.fromEntries(results.map((row) => [row.name, row.at]));
}

it("rows that reach the tables after the cron found them empty start the wait over: nothing is dropped", async () => {
  const t0 = Date.now();
  expect(await maintain(t0)).toMatchObject({ moved: 0, d1Tables: "empty" });
  expect(await milestones()).toEqual({ d1_image_tables_empty: t0 });

  // With the hour nearly over, a Worker of the previous version stores an upload in D1.
  const owner = await seedUser();
  const late = await d1Image(owner, randomBytes(), [["heron", 0.9]]);
  expect(await maintain(t0 + HOUR)).toMatchObject({ moved: 1, d1Tables: "in use" });
  expect(await milestones()).toEqual({});
  expect(await oldSchema()).toEqual(expect.arrayContaining(OLD_SCHEMA));
  expect(await d1Rows(owner)).toBe(0);
  expect(await librarySql(owner, "SELECT id FROM images")).toEqual([{ id: late.id }]);

  // The wait counts from the next run that finds them empty.
  expect(await maintain(t0 + HOUR + 1)).toMatchObject({ moved: 0, d1Tables: "empty" });
  expect(await maintain(t0 + 2 * HOUR)).toMatchObject({ moved: 0, d1Tables: "empty" });
  expect(await milestones()).toEqual({ d1_image_tables_empty: t0 + HOUR + 1 });

  // Rows in the search index count too, though no owner has images left to move.
  const stray = 5 * 2 ** 36 + 1;
  await env.DB.prepare("INSERT INTO image_search (rowid, c4) VALUES (?1, 'heron')").bind(stray).run();
  expect(await maintain(t0 + 3 * HOUR)).toMatchObject({ moved: 0, d1Tables: "in use" });
  expect(await milestones()).toEqual({});
  expect(await oldSchema()).toEqual(expect.arrayContaining(OLD_SCHEMA));
  await env.DB.prepare("DELETE FROM image_search WHERE rowid = ?1").bind(stray).run();
});

it("the drop takes no row with it: one that arrived since the tables were found empty keeps them", async () => {
  const owner = await seedUser();
  await d1Image(owner, randomBytes(), [["owl", 0.9]]);
  expect(await dropD1ImageTables(env.DB, Date.now())).toBe("in use");
  expect(await oldSchema()).toEqual(expect.arrayContaining(OLD_SCHEMA));
  expect(await d1Rows(owner)).toBe(1);
  expect(await milestones()).toEqual({});
  expect(await maintain(Date.now())).toMatchObject({ moved: 1, d1Tables: "in use" });
});

it("once every library has moved, the cron drops the tables an hour after it first found them empty", async () => {
  const { client, user } = await signedInClient();
  const old = await d1Image(user.id, randomBytes(), [["lighthouse", 0.8]]);
  const t = Date.now();
  expect(await maintain(t)).toMatchObject({ moved: 1, d1Tables: "in use" });
  expect(await d1Rows(user.id)).toBe(0);

  expect(await maintain(t + 1)).toMatchObject({ moved: 0, d1Tables: "empty" });
  expect(await maintain(t + HOUR)).toMatchObject({ moved: 0, d1Tables: "empty" });
  expect(await oldSchema()).toEqual(expect.arrayContaining(OLD_SCHEMA));

  expect(await maintain(t + 1 + HOUR)).toMatchObject({ moved: 0, d1Tables: "dropped" });
  expect(await oldSchema()).toEqual([]);
  expect(await milestones()).toEqual({ d1_image_tables_dropped: t + 1 + HOUR });
  // D1 keeps the rest: accounts, and the broader words of labels that libraries copy.
  const kept = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('users', 'label_terms') ORDER BY name",
  ).all<{ name: string }>();
  expect(kept.results).toEqual([{ name: "label_terms" }, { name: "users" }]);

  // The moved library is whole.
  const listed = await expectContract(listImagesRoute, 200, await client.GET("/v1/images"));
  expect(listed.items.map((image) => image.id)).toEqual([old.id]);
  const found = await expectContract(
    searchImagesRoute,
    200,
    await client.GET("/v1/images/search", { params: { query: { q: "lighthouse" } } }),
  );
  expect(found.items.map((image) => image.id)).toEqual([old.id]);
});

it("after the drop, libraries open, upload, list and resume a cut-short move; accounts go; the cron rests", async () => {
  const { client, user, tokens } = await signedInClient();
  const image = await uploadLabelled(client, uniqueImage("tiny.png"), [{ label: "TABBY", score: 0.8 }]);
  const listed = await expectContract(listImagesRoute, 200, await client.GET("/v1/images"));
  expect(listed.items.map((item) => item.id)).toEqual([image.id]);
  const cats = await expectContract(
    searchImagesRoute,
    200,
    await client.GET("/v1/images/search", { params: { query: { q: "cat" } } }),
  );
  expect(cats.items.map((item) => item.id)).toEqual([image.id]);
  // Its first open recorded the move as done, so no later open asks D1 again.
  expect(await librarySql(user.id, "SELECT value FROM library_meta WHERE key = 'moved_from_d1'")).toEqual([
    { value: 1 },
  ]);

  // A move cut short before its last delete from D1 resumes on the next open: nothing left to delete, and it opens.
  await runInDurableObject(env.LIBRARY.getByName(user.id), (instance: Library, state) => {
    state.storage.sql.exec("UPDATE library_meta SET value = 0 WHERE key = 'moved_from_d1'");
    state.storage.sql.exec("INSERT OR REPLACE INTO library_meta (key, value) VALUES ('d1_moved_through', 5)");
    (instance as unknown as { engine: { opened: unknown } }).engine.opened = null;
  });
  const again = await expectContract(listImagesRoute, 200, await client.GET("/v1/images"));
  expect(again.items.map((item) => item.id)).toEqual([image.id]);
  expect(await librarySql(user.id, "SELECT value FROM library_meta WHERE key = 'moved_from_d1'")).toEqual([
    { value: 1 },
  ]);

  const dropped = await milestones();
  expect(await maintain(Date.now() + 5 * HOUR)).toMatchObject({ moved: 0, d1Tables: "gone" });
  expect(await milestones()).toEqual(dropped);

  await expectContract(
    deleteAccountRoute,
    204,
    await call("/v1/me", {
      method: "DELETE",
      headers: { ...bearer(tokens.accessToken), "Content-Type": "application/json" },
      body: JSON.stringify({ password: "correct horse battery staple" }),
    }),
  );
  expect(await env.DB.prepare("SELECT 1 FROM users WHERE id = ?1").bind(user.id).first()).toBeNull();
});

it("dropping again, or reading the old tables once they are gone, is harmless", async () => {
  const recorded = await milestones();
  expect(Object.keys(recorded)).toEqual(["d1_image_tables_dropped"]);
  expect(await dropD1ImageTables(env.DB, Date.now())).toBe("gone");
  expect(await retireD1ImageTables(env.DB, Date.now(), 0)).toBe("gone");
  expect(await ownersWithD1Images(env.DB, 10)).toEqual([]);
  expect(await readD1Images(env.DB, "usr_nobody", 0, 10)).toEqual([]);
  await deleteD1Images(env.DB, "usr_nobody", 10);
  expect(await oldSchema()).toEqual([]);
  expect(await milestones()).toEqual(recorded);

  // Dropped by hand, without the cron's record: the cron finds them gone all the same.
  await env.DB.prepare("DELETE FROM maintenance_milestones").run();
  expect(await maintain(Date.now())).toMatchObject({ moved: 0, d1Tables: "gone" });
});
