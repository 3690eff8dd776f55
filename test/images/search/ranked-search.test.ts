import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  rankedSearch,
  type SearchHit,
  type SearchMatch,
  type SearchPage,
} from "../../../src/images/search/ranked-search";
import { deleteImageStatement } from "../../../src/images/store/image-rows";
import { reindexImageStatements, unindexImageStatements } from "../../../src/images/store/search-index";
import { addUserTagsStatement, rejectTagsStatement } from "../../../src/images/store/tag-rows";
import { seedImage, seedUser } from "../../helpers/seed";

const newUser = seedUser;
const addImage = seedImage;

async function search(
  userId: string,
  q: string,
  match: SearchMatch = "all",
  limit = 20,
  cursor?: string | null,
  window?: number,
): Promise<SearchPage> {
  const res = await rankedSearch(env.DB, { userId, q, match, limit, cursor }, window ? { window } : {});
  if ("error" in res) throw new Error(`${res.error}: ${res.detail}`);
  return res;
}
const ids = (p: SearchPage) => p.hits.map((h) => h.id);

async function allPages(
  userId: string,
  q: string,
  match: SearchMatch,
  limit: number,
  window?: number,
): Promise<SearchHit[]> {
  const out: SearchHit[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page: SearchPage = await search(userId, q, match, limit, cursor, window);
    expect(page.hits.length).toBeLessThanOrEqual(limit);
    out.push(...page.hits);
    cursor = page.nextCursor;
    if (!cursor) return out;
  }
  throw new Error("pagination did not terminate");
}

describe("rankedSearch: matching", () => {
  it("prefix-matches any word of a label; all vs any", async () => {
    const u = await newUser();
    const golden = await addImage(u, [
      ["golden retriever", 0.9],
      ["tennis ball", 0.3],
    ]);
    const tabby = await addImage(u, [
      ["tabby", 0.8],
      ["tiger cat", 0.1],
    ]);
    const goldfish = await addImage(u, [["goldfish", 0.7]]);

    expect(ids(await search(u, "ret"))).toEqual([golden.id]);
    expect(ids(await search(u, "golden retriever"))).toEqual([golden.id]);
    expect(ids(await search(u, "gold ret"))).toEqual([golden.id]);
    expect(ids(await search(u, "GOLD", "all")).sort()).toEqual([golden.id, goldfish.id].sort());
    expect(ids(await search(u, "gold tab", "all"))).toEqual([]);
    expect(ids(await search(u, "gold tab", "any")).sort()).toEqual([golden.id, goldfish.id, tabby.id].sort());
    // tokens may match different labels of the same image
    expect(ids(await search(u, "tabby tiger", "all"))).toEqual([tabby.id]);
    expect(ids(await search(u, "tennis gold", "all"))).toEqual([golden.id]);
    expect(ids(await search(u, "zebra"))).toEqual([]);
  });

  it("no usable tokens → invalid_query", async () => {
    const u = await newUser();
    for (const q of ["", "   ", "*", "🐱", "\u0000\u0001", "-- ;"]) {
      expect(await rankedSearch(env.DB, { userId: u, q, match: "all", limit: 20 })).toMatchObject({
        error: "invalid_query",
      });
    }
  });

  it("never matches rejected tags; reindex follows tag changes; unindex removes", async () => {
    const u = await newUser();
    const a = await addImage(u, [
      ["tabby", 0.9],
      ["persian cat", 0.5, { rejected: true }],
    ]);
    expect(ids(await search(u, "persian"))).toEqual([]);
    expect(ids(await search(u, "tab"))).toEqual([a.id]);

    // user rejects "tabby", adds "lynx": the route writes the tag rows, then appends reindex to the same batch
    await env.DB.batch([
      rejectTagsStatement(env.DB, a.id, u, ["tabby"]),
      addUserTagsStatement(env.DB, a.id, u, ["lynx"]),
      ...reindexImageStatements(env.DB, a.id),
    ]);
    expect(ids(await search(u, "tab"))).toEqual([]);
    expect(ids(await search(u, "lyn"))).toEqual([a.id]);

    // every tag rejected → no document at all
    await env.DB.batch([
      rejectTagsStatement(env.DB, a.id, u, ["tabby", "persian cat", "lynx"]),
      ...reindexImageStatements(env.DB, a.id),
    ]);
    expect(ids(await search(u, "lyn"))).toEqual([]);

    const b = await addImage(u, [["tabby", 0.9]]);
    expect(ids(await search(u, "tab"))).toEqual([b.id]);
    await env.DB.batch([...unindexImageStatements(env.DB, b.id), deleteImageStatement(env.DB, u, b.id)]);
    expect(ids(await search(u, "tab"))).toEqual([]);
    // reindex/unindex are idempotent
    await env.DB.batch([
      ...reindexImageStatements(env.DB, a.id),
      ...reindexImageStatements(env.DB, a.id),
      ...unindexImageStatements(env.DB, "missing"),
    ]);
  });

  it("deleting an image row without unindex (e.g. user cascade) still drops its document", async () => {
    const u = await newUser();
    const a = await addImage(u, [["tabby", 0.9]]);
    await deleteImageStatement(env.DB, u, a.id).run();
    expect(ids(await search(u, "tab"))).toEqual([]);
    const n = await env.DB.prepare("SELECT n FROM image_search_owner WHERE user_id = ?").bind(u).first<{ n: number }>();
    const left = await env.DB.prepare("SELECT count(*) AS c FROM image_search WHERE rowid = ?")
      .bind(n!.n * 2 ** 36 + a.seq)
      .first<{ c: number }>();
    expect(left!.c).toBe(0);
  });

  it("isolates owners", async () => {
    const u1 = await newUser();
    const u2 = await newUser();
    const mine = await addImage(u1, [["golden retriever", 0.9]]);
    await addImage(u2, [["golden retriever", 0.99]]);
    await addImage(u2, [["golden retriever", 0.5]]);
    expect(ids(await search(u1, "golden retriever"))).toEqual([mine.id]);
    expect(ids(await search(u1, "gold", "any"))).toEqual([mine.id]);
    const stranger = await newUser();
    expect(ids(await search(stranger, "gold"))).toEqual([]);
  });
});

describe("rankedSearch: ranking", () => {
  it("orders by confidence, then by matched tokens, newest first on ties", async () => {
    const u = await newUser();
    // all documents have the same length (2 single-word labels) so only the weights differ
    const lowConf = await addImage(u, [
      ["tabby", 0.1],
      ["zzfiller", 0.9],
    ]);
    const highConf = await addImage(u, [
      ["tabby", 0.95],
      ["zzfiller", 0.9],
    ]);
    const midConfOlder = await addImage(u, [
      ["tabby", 0.5],
      ["zzfiller", 0.9],
    ]);
    const midConfNewer = await addImage(u, [
      ["tabby", 0.45],
      ["zzfiller", 0.9],
    ]); // same bucket as midConfOlder → tie
    expect(ids(await search(u, "tabby"))).toEqual([highConf.id, midConfNewer.id, midConfOlder.id, lowConf.id]);
    const page = await search(u, "tabby");
    expect(page.hits[1]!.score).toBe(page.hits[2]!.score);
    expect(page.hits[0]!.score).toBeGreaterThan(page.hits[1]!.score);

    // any: an image matching both tokens beats one matching only one (same confidences)
    const both = await addImage(u, [
      ["tabby", 0.9],
      ["lynx", 0.9],
    ]);
    const onlyLynx = await addImage(u, [
      ["lynx", 0.9],
      ["zzfiller", 0.9],
    ]);
    const r = ids(await search(u, "tabby lynx", "any"));
    expect(r[0]).toBe(both.id);
    expect(r.indexOf(onlyLynx.id)).toBeGreaterThan(0);
    expect(r).toHaveLength(6);
  });
});

describe("rankedSearch: hostile input", () => {
  const hostile = [
    '"cat',
    "NEAR(",
    "NEAR(cat dog)",
    "cat OR",
    "*",
    "-cat",
    "tags:x",
    "owner:x",
    "c4:cat",
    "{c0 c1}: cat",
    "^cat",
    'cat"dog',
    "\u0000cat",
    "\u0001\u0002\u0003cat\u001f\u007f",
    "cat AND",
    "AND",
    "OR OR",
    "NOT cat",
    "cat NOT",
    "(",
    ")",
    "cat*",
    '""',
    "'",
    "' OR 1=1 --",
    "'; DROP TABLE images; --",
    "x".repeat(1024),
    Array.from({ length: 300 }, () => "ab").join(" "),
    "🐱",
    "🐈 cat",
    "猫",
    "ǅ",
    "\uD800",
    "%",
    "_",
    "\\",
    "cat\u200Bdog",
  ];
  it.each(hostile.map((q) => [q.length > 40 ? `${q.slice(0, 40)}…(${q.length})` : q, q]))(
    "%j never throws or leaks",
    async (_name, q) => {
      const u = await newUser();
      const other = await newUser();
      const mine = await addImage(u, [
        ["tabby cat", 0.9],
        ["x-ray", 0.3],
      ]);
      await addImage(other, [
        ["tabby cat", 0.9],
        ["x-ray", 0.3],
        ["tags", 0.5],
      ]);
      for (const match of ["all", "any"] as const) {
        const res = await rankedSearch(env.DB, { userId: u, q, match, limit: 100 });
        if ("error" in res) {
          expect(res.error).toBe("invalid_query");
        } else {
          for (const h of res.hits) expect(h.id).toBe(mine.id);
        }
      }
      const tables = await env.DB.prepare("SELECT count(*) AS c FROM images WHERE id = ?")
        .bind(mine.id)
        .first<{ c: number }>();
      expect(tables!.c).toBe(1);
    },
  );
});

describe("rankedSearch: pagination", () => {
  async function tiedSet(u: string) {
    const seqs: string[] = [];
    // 11 matches of "tab": groups of identical documents → tied scores, plus distinct ones
    for (let i = 0; i < 4; i++)
      seqs.push(
        (
          await addImage(u, [
            ["tabby", 0.9],
            ["lynx", 0.5],
          ])
        ).id,
      );
    for (let i = 0; i < 4; i++)
      seqs.push(
        (
          await addImage(u, [
            ["tabby", 0.3],
            ["tiger", 0.3],
          ])
        ).id,
      );
    for (let i = 0; i < 3; i++) seqs.push((await addImage(u, [["table lamp", 0.7]])).id);
    await addImage(u, [["lynx", 0.9]]); // not a "tab" match
    return seqs;
  }

  it("visits every match exactly once with tied scores (all, any, broad-window path)", async () => {
    const u = await newUser();
    const expected = (await tiedSet(u)).sort();
    const single = await search(u, "tab", "all", 100);
    expect(single.hits).toHaveLength(11);
    expect(single.nextCursor).toBeNull();

    for (const [q, match, window, total] of [
      ["tab", "all", undefined, 11],
      ["tab", "any", undefined, 11],
      ["tab ti", "all", undefined, 4],
      ["tab lyn", "any", undefined, 12],
      ["tab", "all", 4, 11], // windows of 4 matches: the broad-query path
      ["tab lyn", "any", 4, 12],
      ["tab", "all", 1, 11],
      ["tab", "any", 3, 11],
    ] as const) {
      const got = await allPages(u, q, match, 3, window);
      const gotIds = got.map((h) => h.id);
      expect(new Set(gotIds).size, `${q}/${match}/${window}`).toBe(gotIds.length);
      expect(gotIds.length, `${q}/${match}/${window}`).toBe(total);
      if (q === "tab") expect([...gotIds].sort()).toEqual(expected);
      if (window === undefined) {
        // one window: pages concatenate to the single-query ranking
        const one = await search(u, q, match, 100);
        expect(gotIds).toEqual(ids(one));
      }
    }
  });

  it("windowed order is (window newest-first, score desc, seq desc)", async () => {
    const u = await newUser();
    const a = await addImage(u, [["tabby", 0.1]]);
    const b = await addImage(u, [["tabby", 0.9]]);
    const c = await addImage(u, [["tabby", 0.1]]);
    const d = await addImage(u, [["tabby", 0.9]]);
    // window 2: newest two (c, d) ranked → d, c; then (a, b) → b, a
    const got = await allPages(u, "tabby", "all", 3, 2);
    expect(got.map((h) => h.id)).toEqual([d.id, c.id, b.id, a.id]);
    // one window: global ranking
    expect(ids(await search(u, "tabby"))).toEqual([d.id, b.id, c.id, a.id]);
  });

  it("keeps going when images are added between pages", async () => {
    const u = await newUser();
    const expected = (await tiedSet(u)).sort();
    const p1 = await search(u, "tab", "all", 4);
    await addImage(u, [["tabby", 0.99]]); // newer than the cursor's window: not on later pages
    const rest: string[] = [];
    let cursor = p1.nextCursor;
    while (cursor) {
      const p = await search(u, "tab", "all", 4, cursor);
      rest.push(...ids(p));
      cursor = p.nextCursor;
    }
    expect([...ids(p1), ...rest].sort()).toEqual(expected);
  });

  it("rejects garbage and foreign cursors", async () => {
    const u = await newUser();
    await tiedSet(u);
    const p1 = await search(u, "tab", "all", 3);
    expect(p1.nextCursor).toBeTruthy();
    const bad = [
      "garbage",
      "!!!",
      "",
      "e30",
      btoa("null"),
      btoa("[]"),
      btoa('{"v":1}'),
      "a".repeat(600),
      btoa(JSON.stringify({ v: 1, f: "x", h: 1e300, l: 0, r: null, s: null })),
      btoa(JSON.stringify({ v: 1, f: "x", h: -5, l: 0, r: null, s: null })),
      p1.nextCursor!.slice(0, -2),
      p1.nextCursor! + "x",
    ];
    for (const cursor of bad) {
      const res = await rankedSearch(env.DB, { userId: u, q: "tab", match: "all", limit: 3, cursor });
      if (cursor === "") expect("hits" in res).toBe(true);
      else expect(res, cursor).toMatchObject({ error: "invalid_cursor" });
    }
    // a cursor from another query is refused
    expect(
      await rankedSearch(env.DB, { userId: u, q: "tabby", match: "all", limit: 3, cursor: p1.nextCursor }),
    ).toMatchObject({ error: "invalid_cursor" });
    expect(
      await rankedSearch(env.DB, { userId: u, q: "tab", match: "any", limit: 3, cursor: p1.nextCursor }),
    ).toMatchObject({ error: "invalid_cursor" });
  });

  it("reports dbMs", async () => {
    const u = await newUser();
    await addImage(u, [["tabby", 0.9]]);
    const p = await search(u, "tab");
    expect(typeof p.dbMs).toBe("number");
    expect(p.dbMs).toBeGreaterThanOrEqual(0);
  });
});
