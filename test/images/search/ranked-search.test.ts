import { describe, expect, it } from "vitest";
import {
  rankedSearch,
  type SearchHit,
  type SearchMatch,
  type SearchPage,
  type WindowCache,
} from "../../../src/images/search/ranked-search";
import { SEARCH_WEIGHTS, wholeWords } from "../../../src/images/store/search-index";
import { inLibrary, libraryOf, librarySql } from "../../helpers/library";
import { seedImage, seedUser } from "../../helpers/seed";

const newUser = seedUser;
const addImage = seedImage;

/** rankedSearch inside the user's library object. */
function rs(userId: string, input: Parameters<typeof rankedSearch>[1], options?: Parameters<typeof rankedSearch>[2]) {
  return inLibrary(userId, (db) => rankedSearch(db, input, options));
}

async function search(
  userId: string,
  q: string,
  match: SearchMatch = "all",
  limit = 20,
  cursor?: string | null,
  window?: number,
  broadToken?: number,
): Promise<SearchPage> {
  const res = await rs(userId, { q, match, limit, cursor }, { window, broadToken });
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
  broadToken?: number,
): Promise<SearchHit[]> {
  const out: SearchHit[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page: SearchPage = await search(userId, q, match, limit, cursor, window, broadToken);
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

  it("a token only one word starts with is matched as that word: the same hits and scores as its prefix, also as words come and go", async () => {
    const u = await newUser();
    const fish = await addImage(u, [["goldfish", 0.7]]);
    const dog = await addImage(u, [["golden retriever", 0.9]]);
    const whole = (tokens: string[]) => inLibrary(u, (db) => [...wholeWords(db, tokens)].sort());
    // As a second token of a query (`"gold"* AND "<token>"*`), so that bm25 ranks it in SQL, and as one token.
    const prefixScores = (token: string) =>
      librarySql<{ r: number; score: number }>(
        u,
        `SELECT rowid AS r, -bm25(image_search, ${SEARCH_WEIGHTS.join(", ")}) AS score FROM image_search
         WHERE image_search MATCH ? ORDER BY score DESC, rowid DESC`,
        `"gold"* AND "${token}"*`,
      );
    const hits = async (q: string) => (await search(u, q)).hits.map((hit) => ({ r: hit.seq, score: hit.score }));
    // `goldfish` and `animal` (a broader word of both) are whole words; `gold` starts golden and goldfish.
    expect(await whole(["goldfish", "animal", "gold", "zebra"])).toEqual(["animal", "goldfish"]);
    for (const q of ["goldfish", "animal"]) expect(await hits(`gold ${q}`), q).toEqual(await prefixScores(q));
    // One token is ranked without bm25 (one-token-ranking.ts): the same images in the same order.
    for (const q of ["goldfish", "animal", "gold"]) {
      const bm25 = await librarySql<{ r: number }>(
        u,
        `SELECT rowid AS r FROM image_search WHERE image_search MATCH ?
         ORDER BY bm25(image_search, ${SEARCH_WEIGHTS.join(", ")}), rowid DESC`,
        `"${q}"*`,
      );
      expect(
        (await hits(q)).map((hit) => hit.r),
        q,
      ).toEqual(bm25.map((row) => row.r));
    }
    expect(ids(await search(u, "goldfish"))).toEqual([fish.id]);
    expect(ids(await search(u, "animal")).sort()).toEqual([fish.id, dog.id].sort());
    // A longer word with the same start arrives: the token is a prefix again, and finds both.
    const more = await addImage(u, [["goldfishes", 0.9, { source: "user" }]]);
    expect(await whole(["goldfish"])).toEqual([]);
    expect(ids(await search(u, "goldfish")).sort()).toEqual([fish.id, more.id].sort());
    await libraryOf(u).remove([more.id]);
    expect(await whole(["goldfish"])).toEqual(["goldfish"]);
    expect(ids(await search(u, "goldfish"))).toEqual([fish.id]);
    // Spelled otherwise by the tokenizer (diacritics folded): left a prefix, and found either way.
    const cafe = await addImage(u, [["café", 0.8, { source: "user" }]]);
    expect(await whole(["café", "cafe"])).toEqual(["cafe"]);
    expect(ids(await search(u, "café"))).toEqual([cafe.id]);
    expect(ids(await search(u, "cafe"))).toEqual([cafe.id]);
  });

  it("no usable tokens → invalid_query", async () => {
    const u = await newUser();
    for (const q of ["", "   ", "*", "🐱", "\u0000\u0001", "-- ;"]) {
      expect(await rs(u, { q, match: "all", limit: 20 })).toMatchObject({
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

    // user rejects "tabby", adds "lynx": tags and document change in one transaction
    const library = libraryOf(u);
    await library.editTags(a.id, ["lynx"], ["tabby"]);
    expect(ids(await search(u, "tab"))).toEqual([]);
    expect(ids(await search(u, "lyn"))).toEqual([a.id]);
    // an edit that changes nothing leaves the document as it was
    await library.editTags(a.id, [], []);
    expect(ids(await search(u, "lyn"))).toEqual([a.id]);

    // every tag rejected → no document at all
    await library.editTags(a.id, [], ["tabby", "persian cat", "lynx"]);
    expect(ids(await search(u, "lyn"))).toEqual([]);

    const b = await addImage(u, [["tabby", 0.9]]);
    expect(ids(await search(u, "tab"))).toEqual([b.id]);
    await library.remove([b.id]);
    expect(ids(await search(u, "tab"))).toEqual([]);
  });

  it("deleting an image drops its document and its words' counts", async () => {
    const u = await newUser();
    const a = await addImage(u, [["golden retriever", 0.9]]);
    const before = await librarySql<{ term: string }>(u, "SELECT term FROM term_counts ORDER BY term");
    expect(before.map((row) => row.term)).toEqual(expect.arrayContaining(["golden", "retriever", "dog"]));
    await libraryOf(u).remove([a.id]);
    expect(ids(await search(u, "dog"))).toEqual([]);
    const left = await librarySql<{ c: number }>(u, "SELECT count(*) AS c FROM image_search WHERE rowid = ?", a.seq);
    expect(left[0]!.c).toBe(0);
    expect(await librarySql(u, "SELECT term FROM term_counts")).toEqual([]);
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

    // any: an image matching both tokens beats one matching only one (same confidences). bm25's statistics are the
    // library's own, and a word in more than half of its documents weighs next to nothing: fillers keep tabby rarer.
    for (let i = 0; i < 8; i++) await addImage(u, [["zzfiller", 0.9]]);
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
        const res = await rs(u, { q, match, limit: 100 });
        if ("error" in res) {
          expect(res.error).toBe("invalid_query");
        } else {
          for (const h of res.hits) expect(h.id).toBe(mine.id);
        }
      }
      const tables = await librarySql<{ c: number }>(u, "SELECT count(*) AS c FROM images WHERE id = ?", mine.id);
      expect(tables[0]!.c).toBe(1);
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

  for (const [q, ranking] of [
    ["tab ta", "bm25 (two tokens)"],
    ["tab", "one broad token"],
  ] as const) {
    it(`${ranking}: a first page reads only what it shows (bm25) or its window once (one token); later pages read each window whole once, then from the cache`, async () => {
      const u = await newUser();
      await tiedSet(u);
      // `tab` as a broad token (every token is, from 0 possible matches).
      const broadToken = q === "tab" ? 0 : undefined;
      const plain = await allPages(u, q, "all", 3, 5, broadToken);
      const cache: WindowCache = new Map();
      // Each statement that scores a window: whether SQLite ranks the best few (bm25), and the window's bounds.
      const scored: { top: boolean; bounds: string; page: number }[] = [];
      let page = 0;
      const pages = await inLibrary(u, (db) => {
        const sql = new Proxy(db.sql, {
          get: (target, key) =>
            key === "exec"
              ? (query: string, ...bindings: SqlStorageValue[]) => {
                  if (query.includes("bm25(") || query.includes("JOIN search_docs")) {
                    scored.push({ top: query.includes("OVER ()"), bounds: `${bindings[1]}..${bindings[2]}`, page });
                  }
                  return target.exec(query, ...bindings);
                }
              : Reflect.get(target, key),
        });
        const out: SearchPage[] = [];
        let cursor: string | null = null;
        do {
          page++;
          const result = rankedSearch(
            { sql, owner: db.owner },
            { q, match: "all", limit: 3, cursor },
            { window: 5, cache, broadToken },
          );
          if ("error" in result) throw new Error(result.detail);
          out.push(result);
          cursor = result.nextCursor;
        } while (cursor);
        return out;
      });
      expect(pages.flatMap((p) => p.hits.map((hit) => [hit.id, hit.score]))).toEqual(
        plain.map((hit) => [hit.id, hit.score]),
      );
      expect(pages.length).toBeGreaterThan(3);
      // Page 1: one statement over the first window, ranked in SQL with bm25, in JS for one token.
      expect(scored.filter((s) => s.page === 1)).toEqual([
        { top: q !== "tab", bounds: "0..9007199254740991", page: 1 },
      ]);
      // 11 matches in windows of 5: three windows, each read whole at most once, whatever the number of pages.
      const whole = scored.filter((s) => !s.top);
      expect(whole.length).toBeLessThanOrEqual(3);
      expect(new Set(whole.map((s) => s.bounds)).size).toBe(whole.length);
      // One token: each window is scored once, when a page first reaches it (from 0: its lower bound unknown yet).
      if (q === "tab") expect(whole.every((s) => s.bounds.startsWith("0.."))).toBe(true);
    });
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
      const res = await rs(u, { q: "tab", match: "all", limit: 3, cursor });
      if (cursor === "") expect("hits" in res).toBe(true);
      else expect(res, cursor).toMatchObject({ error: "invalid_cursor" });
    }
    // a cursor from another query is refused
    expect(await rs(u, { q: "tabby", match: "all", limit: 3, cursor: p1.nextCursor })).toMatchObject({
      error: "invalid_cursor",
    });
    expect(await rs(u, { q: "tab", match: "any", limit: 3, cursor: p1.nextCursor })).toMatchObject({
      error: "invalid_cursor",
    });
  });
});
