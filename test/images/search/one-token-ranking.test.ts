import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { emptyPhotoMetadata } from "../../../src/images/photo-metadata";
import { BROAD_TOKEN_MATCHES } from "../../../src/images/search/one-token-ranking";
import { rankedSearch, type SearchHit } from "../../../src/images/search/ranked-search";
import { parseSearchQuery, toFtsMatch } from "../../../src/images/search/search-query";
import { LIBRARY_SCHEMA } from "../../../src/images/store/library-schema";
import { backfillSearchDocs, searchStats } from "../../../src/images/store/search-docs";
import {
  matchBound,
  reindexed,
  SEARCH_WEIGHTS,
  searchDocWords,
  wholeWords,
} from "../../../src/images/store/search-index";
import { inLibrary, libraryOf, librarySql } from "../../helpers/library";
import { type SeedTag, seedImage, seedUser } from "../../helpers/seed";

// A broad token is ranked without bm25 (src/images/search/one-token-ranking.ts); these tests make every token broad
// (`broadToken: 0`) on a small library. They hold the ranking to bm25 over
// the library's documents as they are now: an FTS5 index built afresh from them, with the library's own definition.
// (The library's index itself keeps every replaced or deleted document in its row count and average length: FTS5
// does not lower them on a contentless delete.) The same images in the same order, and each score times the token's
// idf equal to bm25's score, which checks every part of it: the weighted hits, the document's words, the average.

/** Labels in every confidence bucket, words repeated within a column, broader words, and user tags spelled oddly. */
const LIBRARY: SeedTag[][] = [
  [
    ["golden retriever", 0.92],
    ["Labrador retriever", 0.85],
    ["tennis ball", 0.3],
  ],
  [
    ["tabby", 0.81],
    ["tiger cat", 0.62],
    ["Egyptian cat", 0.45],
    ["lynx", 0.05],
  ],
  [
    ["coffee mug", 0.5],
    ["cup", 0.48],
    ["espresso", 0.21],
    ["Café au lait", 1, { source: "user" }],
  ],
  [
    ["jack-o'-lantern", 0.71],
    ["candle", 0.2],
  ],
  [
    ["sports car", 0.95],
    ["convertible", 0.61],
    ["car wheel", 0.42],
    ["mañana 2024", 1, { source: "user" }],
  ],
  [
    ["Egyptian cat", 0.99],
    ["my cat, Ærø", 1, { source: "user" }],
  ],
  [["cup", 0.9]],
  [
    ["tabby", 0.15],
    ["tiger", 0.12],
    ["cougar", 0.1],
  ],
];

/** Prefixes and whole words: one and two letters, words of labels, broader words, digits, folded diacritics. */
const QUERIES = [
  "c",
  "t",
  "e",
  "a",
  "m",
  "ca",
  "ta",
  "re",
  "cat",
  "cup",
  "retriever",
  "animal",
  "dog",
  "café",
  "2024",
  "ærø",
];

async function seedLibrary(): Promise<string> {
  const u = await seedUser();
  for (const tags of LIBRARY) await seedImage(u, tags);
  return u;
}

const FRESH_INDEX = `CREATE VIRTUAL TABLE fresh_search USING fts5(c4, c3, c2, c1, c0, a,
  tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4 5')`;

/**
 * The query's images as bm25 ranks them, each with bm25's score, and the query's idf (as FTS5 works it out): in the
 * library's own index, or (`fresh`) in one built from the library's current documents, whose matches must be the same.
 */
function bm25Ranking(u: string, q: string, fresh: boolean) {
  return inLibrary(u, (db) => {
    const tokens = parseSearchQuery(q);
    const match = toFtsMatch(tokens, "all", wholeWords(db, tokens));
    const rank = (table: string) =>
      db.sql
        .exec<{ r: number; score: number }>(
          `SELECT rowid AS r, -bm25(${table}, ${SEARCH_WEIGHTS.join(", ")}) AS score FROM ${table}
           WHERE ${table} MATCH ? ORDER BY score DESC, rowid DESC`,
          match,
        )
        .toArray();
    let ranked = rank("image_search");
    let table = "image_search";
    if (fresh) {
      db.sql.exec(FRESH_INDEX);
      for (const { seq, terms } of db.sql.exec<{ seq: number; terms: string }>("SELECT seq, terms FROM search_docs")) {
        db.sql.exec(
          "INSERT INTO fresh_search (rowid, c4, c3, c2, c1, c0, a) VALUES (?, ?, ?, ?, ?, ?, ?)",
          seq,
          ...terms.split("|").map((column) => column.trim()),
        );
      }
      const freshRanked = rank("fresh_search");
      expect(freshRanked.map((row) => row.r).sort(), `${q}: the same matches`).toEqual(
        ranked.map((row) => row.r).sort(),
      );
      ranked = freshRanked;
      table = "fresh_search";
    }
    const docs = db.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
    if (fresh) db.sql.exec("DROP TABLE fresh_search");
    const idf = Math.log((docs - ranked.length + 0.5) / (ranked.length + 0.5));
    return { ranked, idf: idf <= 0 ? 1e-6 : idf };
  });
}

async function searchAll(u: string, q: string): Promise<SearchHit[]> {
  const page = await inLibrary(u, (db) => rankedSearch(db, { q, match: "all", limit: 100 }, { broadToken: 0 }));
  if ("error" in page) throw new Error(page.detail);
  expect(page.nextCursor).toBeNull();
  return page.hits;
}

/**
 * The search ranks `q` as bm25 does: `oneToken`, over the library's current documents, with bm25's scores divided by
 * the idf; else as the library's index ranks it, scores and all.
 */
async function expectBm25Order(u: string, q: string, oneToken: boolean) {
  const { ranked, idf } = await bm25Ranking(u, q, oneToken);
  const hits = await searchAll(u, q);
  expect(ranked.length, q).toBeGreaterThan(0);
  expect(
    hits.map((hit) => hit.seq),
    q,
  ).toEqual(ranked.map((row) => row.r));
  hits.forEach((hit, i) => {
    const expected = ranked[i]!.score;
    const got = oneToken ? hit.score * idf : hit.score;
    expect(Math.abs(got - expected) / expected, `${q}: ${got} against ${expected}`).toBeLessThan(1e-12);
  });
}

describe("one-token ranking", () => {
  it("ranks every one-token query in bm25's order, with bm25's score divided by the idf", async () => {
    const u = await seedLibrary();
    for (const q of QUERIES) await expectBm25Order(u, q, true);
    // Two tokens are ranked by bm25 itself, scores and all.
    await expectBm25Order(u, "cat tabby", false);
  });

  it("keeps to a period of the timeline", async () => {
    const u = await seedLibrary();
    // Taken one second apart, in upload order: the period holds the 3rd to the 6th image.
    await librarySql(u, "UPDATE images SET taken_ms = seq * 1000");
    const seqs = (await librarySql<{ seq: number }>(u, "SELECT seq FROM images ORDER BY seq")).map((row) => row.seq);
    const inPeriod = new Set(seqs.slice(2, 6));
    const range = { from: seqs[2]! * 1000, to: seqs[5]! * 1000 };
    for (const q of ["c", "ta", "cat"]) {
      const page = await inLibrary(u, (db) =>
        rankedSearch(db, { q, match: "all", limit: 100, range }, { broadToken: 0 }),
      );
      if ("error" in page) throw new Error(page.detail);
      const everything = await searchAll(u, q);
      expect(
        page.hits.map((hit) => hit.seq),
        q,
      ).toEqual(everything.map((hit) => hit.seq).filter((seq) => inPeriod.has(seq)));
      expect(page.hits.length, q).toBeGreaterThan(0);
    }
  });

  it("ranks a token this way from BROAD_TOKEN_MATCHES possible matches on, below that with bm25", async () => {
    const u = await seedLibrary();
    const bound = await inLibrary(u, (db) => matchBound(db, "c", true));
    const { ranked: bm25, idf } = await bm25Ranking(u, "c", false);
    const search = (broadToken: number) =>
      inLibrary(u, (db) => rankedSearch(db, { q: "c", match: "all", limit: 100 }, { broadToken }));
    const scores = async (broadToken: number) => {
      const page = await search(broadToken);
      if ("error" in page) throw new Error(page.detail);
      return page.hits.map((hit) => ({ r: hit.seq, score: hit.score }));
    };
    expect(await scores(bound + 1)).toEqual(bm25);
    const broad = await scores(bound);
    expect(broad.map((hit) => hit.r)).toEqual(bm25.map((row) => row.r));
    // `c` is in more than half of the documents: bm25's idf is 1e-6, and only its own scores are that small.
    expect(idf).toBe(1e-6);
    expect(Math.max(...bm25.map((row) => row.score))).toBeLessThan(1e-5);
    expect(Math.max(...broad.map((hit) => hit.score))).toBeGreaterThan(1e-2);
    expect(BROAD_TOKEN_MATCHES).toBeGreaterThan(LIBRARY.length); // so in this library, served with bm25
  });

  it("follows the library as it changes: re-tags, deletions, a word that leaves", async () => {
    const u = await seedLibrary();
    const extra = await seedImage(u, [
      ["cat", 0.7],
      ["cat food", 0.6, { source: "user" }],
    ]);
    const library = libraryOf(u);
    const cup = await seedImage(u, [["cup", 0.55]]);
    await library.editTags(cup.id, ["coffee cup", "cat"], ["cup"]);
    await library.remove([extra.id]);
    for (const q of QUERIES) await expectBm25Order(u, q, true);
  });

  it("a library written by schema version 5 gets every document's words from its alarm, and ranks with bm25 until then", async () => {
    const u = await seedLibrary();
    const stub = env.LIBRARY.getByName(u);
    // Back to what version 5 left: no search_docs, no search_stats. Then a new instance, as after a deploy.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("DROP TABLE search_docs; DROP TABLE search_stats");
      state.storage.sql.exec("UPDATE library_meta SET value = 5 WHERE key = 'schema'");
      // Nothing else left for the alarm (the seeded images' photo metadata counts as read): only step 6 may arm it.
      state.storage.sql.exec("UPDATE images SET metadata = ?", JSON.stringify(emptyPhotoMetadata()));
      return state.storage.deleteAlarm();
    });
    await expect(runInDurableObject(stub, (_instance, state) => state.abort("deploy"))).rejects.toThrow();
    // Opening it (a read: nothing else arms the alarm) runs step 6 and arms the alarm, which writes the words.
    const stats = () => inLibrary(u, (db) => searchStats(db));
    await vi.waitFor(async () => expect((await stats()).complete).toBe(true));
    const version = await inLibrary(u, (db) =>
      db.sql.exec<{ value: number }>("SELECT value FROM library_meta WHERE key = 'schema'").one(),
    );
    expect(version.value).toBe(LIBRARY_SCHEMA.length);
    expect(await stats()).toMatchObject({ docs: LIBRARY.length });
    for (const q of QUERIES) await expectBm25Order(u, q, true);

    // Until the last image has its words, a one-token query is ranked by the library's bm25, scores and all.
    const [incomplete, bm25] = await inLibrary(u, (db) => {
      db.sql.exec("UPDATE search_stats SET backfill_after = backfill_until - 1");
      const page = rankedSearch(db, { q: "c", match: "all", limit: 100 }, { broadToken: 0 });
      db.sql.exec("UPDATE search_stats SET backfill_after = backfill_until");
      const ranked = db.sql
        .exec<{ r: number; score: number }>(
          `SELECT rowid AS r, -bm25(image_search, ${SEARCH_WEIGHTS.join(", ")}) AS score FROM image_search
           WHERE image_search MATCH '"c"*' ORDER BY score DESC, rowid DESC`,
        )
        .toArray();
      return [page, ranked] as const;
    });
    if ("error" in incomplete) throw new Error(incomplete.detail);
    expect(incomplete.hits.map((hit) => ({ r: hit.seq, score: hit.score }))).toEqual(bm25);
  });

  it("a backfill in steps keeps the totals when an image it has not reached yet is indexed first", async () => {
    const u = await seedLibrary();
    const third = (await librarySql<{ id: string; seq: number }>(u, "SELECT id, seq FROM images ORDER BY seq"))[2]!;
    await inLibrary(u, (db) => {
      // What step 6 leaves in a library of these images: no rows yet, all of them to backfill.
      db.sql.exec("DELETE FROM search_docs");
      db.sql.exec(
        "UPDATE search_stats SET docs = 0, tokens = 0, backfill_after = 0, backfill_until = (SELECT max(seq) FROM images)",
      );
      reindexed(db, third.id, third.seq, () => {}); // its tags change: its row is written now
      let steps = 1;
      while (backfillSearchDocs(db, 3, (id) => searchDocWords(db, id))) steps++;
      expect(steps).toBe(Math.ceil(LIBRARY.length / 3));
    });
    expect(await inLibrary(u, (db) => searchStats(db))).toMatchObject({ docs: LIBRARY.length, complete: true });
    for (const q of QUERIES) await expectBm25Order(u, q, true);
  });
});
