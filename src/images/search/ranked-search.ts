// Tag search: GET /v1/images/search?q=…&match=all|any&limit&cursor
//
// MATCHING. parseSearchQuery() turns q into ≤ 8 letter/digit tokens; each becomes a quoted FTS5 prefix
// ("ret"* finds "golden retriever"; a token that only one word of the library starts with becomes that word, which
// matches the same). match=all joins them with AND (every token must prefix-match some word of some non-rejected
// label of the image, or of those labels' broader terms — `dog` finds a golden retriever, see
// store/search-index.ts —, not necessarily the same label), match=any with OR. The index is the owner's library's
// own (one Durable Object per user), so there is no owner filter to forget: a document's rowid is its image's seq.
//
// RANKING. score = -bm25(image_search, 1.0, 0.8, 0.6, 0.4, 0.2, 0.001): FTS5's BM25 (k1 = 1.2, b = 0.75, idf and
// average document length over the owner's library) where an occurrence of a token counts with the weight of its
// label's confidence bucket (≥0.8 → 1.0, ≥0.6 → 0.8, ≥0.4 → 0.6, ≥0.2 → 0.4, else 0.2; user tags score 1.0).
// So: more matched tokens (in `any`) rank higher, rarer tokens weigh more, and for the same token a
// higher-confidence tag ranks higher. Ties → newer image (higher seq) first. Higher score = better.
// A broader word counts 0.001 (and occurs at most once per document), so for the same query an image whose own
// label holds the word ranks above one that only reaches it through an ancestor: a CenterNet `dog` at 0.45 above
// a ResNet `golden retriever` at 0.95. (Weighted term frequency ≥ 0.2 against ≤ 0.001: bm25's length
// normalisation cannot bridge a factor of 200 at realistic document lengths.)
// For a token matching more than half of all documents bm25's idf is clamped to 1e-6, so broad prefixes
// are ordered by confidence (and document length) alone.
// A query of ONE BROAD TOKEN (one that may match BROAD_TOKEN_MATCHES documents or more) is ranked in bm25's order
// without bm25 (one-token-ranking.ts), once the library's documents are all in search_docs: its score is bm25's
// divided by the token's idf, a factor the same for every image of the query, and computing it is what makes FTS5
// read every document the token matches (2.5 ms for `c` at 100k images).
//
// BOUNDED RANKING (the broad-query strategy). Scoring every match of a broad prefix costs ~100-200 ms at 100k
// images, so a query never scores more than SEARCH_WINDOW images at once: the user's matches are cut, newest
// first (rowid DESC, free in FTS5), into consecutive windows of SEARCH_WINDOW matches; results are ranked by
// score within a window, and windows follow each other from newest to oldest. The exact order is therefore
// (window ASC, score DESC, seq DESC). When a query has ≤ SEARCH_WINDOW matches (a word in about 1 % of a library
// of 100k images) there is one window and the ranking is global. The cost of any page is bounded by one window,
// plus, unless the query is one broad token, bm25's idf pass over each token's documents.
//
// PAGINATION. The opaque cursor (base64url JSON) carries the current window's seq bounds [lo, hi], the last
// returned (seq, score) and a fingerprint of (match, tokens). The next page continues in that window only (rowid
// range; images uploaded meanwhile have larger seq and fall outside it), strictly after the last hit in
// (score DESC, seq DESC) order, then moves on to the next window (seq < lo). The boundary score is the last hit's
// score as the window scores it now (the stored one only if that image no longer matches), so writes that shift
// bm25's statistics between two page requests do not make tied images be skipped or repeated.
//
// FIRST PAGES. The page that starts a window (page 1, or a page that moves on to the next window) has SQLite rank
// the window and hand back only the page's matches (ORDER BY score … LIMIT, with the window's bounds and size), so 21
// rows leave SQLite rather than the whole window to be sorted in JS: at 100k images, with windows of 2000, in a CPU
// profile of workerd answering `c` (300 requests, profiler overhead included), the search's share fell from 10.6 to
// 7.7 ms a request.
//
// A broad token's first page reads its window whole (its scoring is in JS), and keeps it as a later page would.
//
// WINDOW CACHE. A later page reads its window whole, by range (up to 2× its size: re-tags inside it may add
// matches), once: the scored matches are kept in the library object's memory (`WindowCache`, dropped on every write
// to the library), so the pages after it read their images and nothing else. A page after a write, or in an object
// that restarted, reads its window again.

import { decodeJsonCursor, encodeJsonCursor } from "../../lib/cursors";
import {
  IMAGE_RECORD_COLUMNS,
  type ImageRecord,
  type ImageRecordRow,
  type TakenPeriod,
  toImageRecord,
} from "../store/image-rows";
import type { LibraryDb } from "../store/library-schema";
import { type SearchStats, searchStats } from "../store/search-docs";
import { matchBound, SEARCH_WEIGHTS, wholeWords } from "../store/search-index";
import { BROAD_TOKEN_MATCHES, type DocumentWords, type OneToken, oneToken, scoreOneToken } from "./one-token-ranking";
import { parseSearchQuery, toFtsMatch } from "./search-query";

export type SearchMatch = "all" | "any";
export interface SearchHit {
  seq: number;
  id: string;
  score: number;
  image: ImageRecord;
}
export interface SearchPage {
  hits: SearchHit[];
  nextCursor: string | null;
}
export type SearchError = { error: "invalid_query" | "invalid_cursor"; detail: string };

/**
 * Matches scored together; see BOUNDED RANKING above. Tuned with bench/search.ts for a first page within 10 ms over
 * HTTP at 100k images: scoring costs ~0.9 ms of SQL per 1000 matches on top of bm25's count pass, and 2000 kept a
 * one-letter query at ~10.7 ms. A query with more matches than this is ranked window by window.
 */
export const SEARCH_WINDOW = 1000;
/** A page may cross windows; stop after this many windows and hand back a cursor for the rest. */
const MAX_WINDOWS_PER_PAGE = 4;
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** One match of a window: its image's seq and its score. Windows hold them best first. */
interface Scored {
  r: number;
  score: number;
}

/**
 * A window's matches, best first: all of them, or only the best few (the first page of a window, which SQLite ranks
 * itself so that only what the page shows leaves it). `lo`: the window's lowest seq (where the next, older window
 * ends); `size`: how many matches the window has.
 */
interface ScoredWindow {
  matches: Scored[];
  lo: number;
  size: number;
}

/** Scored windows by (match, lo, hi): see WINDOW CACHE above. The owner clears it whenever the library changes. */
export type WindowCache = Map<string, ScoredWindow>;
const CACHED_WINDOWS = 8;

export interface SearchOptions {
  window?: number;
  cache?: WindowCache;
  /** From how many possible matches one token is ranked without bm25 (BROAD_TOKEN_MATCHES). */
  broadToken?: number;
}

interface Cursor {
  f: string;
  h: number;
  l: number;
  r: number | null;
  s: number | null;
}

// ?1 MATCH  ?2 lo seq  ?3 hi seq  ?4 rows: the window's matches, newest first (free in FTS5), with their scores.
// With a period (?5, ?6: epoch ms), only images whose timeline time (taken, else uploaded) lies in it.
const SELECT_WINDOW = `SELECT rowid AS r, -bm25(image_search, ${SEARCH_WEIGHTS.join(", ")}) AS score
FROM image_search WHERE image_search MATCH ?1 AND rowid BETWEEN ?2 AND ?3`;
const IN_PERIOD = "AND rowid IN (SELECT seq FROM images WHERE coalesce(taken_ms, created_at) BETWEEN ?5 AND ?6)";
const windowSql = (inPeriod: boolean) => `${SELECT_WINDOW} ${inPeriod ? IN_PERIOD : ""} ORDER BY rowid DESC LIMIT ?4`;
/** A one-token query's window (see one-token-ranking.ts): the matches, newest first, with their documents' words. */
const windowWordsSql = (inPeriod: boolean) =>
  `SELECT w.r, d.tokens, d.terms FROM (SELECT rowid AS r FROM image_search WHERE image_search MATCH ?1
   AND rowid BETWEEN ?2 AND ?3 ${inPeriod ? IN_PERIOD : ""} ORDER BY rowid DESC LIMIT ?4) w
   LEFT JOIN search_docs d ON d.seq = w.r`;
/** The best ?5 (?7 with a period) matches of the window, each with the window's lowest seq and size. */
const windowTopSql = (inPeriod: boolean) =>
  `SELECT r, score, min(r) OVER () AS lo, count(*) OVER () AS size FROM (${windowSql(inPeriod)})
   ORDER BY score DESC, r DESC LIMIT ?${inPeriod ? 7 : 5}`;

/** How a query's windows are scored: by bm25 in SQL, or for one broad token in JS (one-token-ranking.ts). */
interface Scoring {
  ftsMatch: string;
  period: TakenPeriod;
  /** Set when the query is one broad token and the library's search_docs are complete. */
  single: { token: OneToken; stats: SearchStats } | null;
}

/**
 * The window of matches with seq in [lo ?? 0, hi] (the newest `rows` of them), best first. A first window (`lo` null:
 * its bounds are not known yet) is only ever read from its best match on, so with bm25 its `best` matches are enough.
 * Any other window is read whole and kept in the cache under its bounds, for the pages after it: a known window (a
 * later page), and a broad token's first window, which its scoring reads whole anyway.
 */
function scoredWindow(
  db: LibraryDb,
  cache: WindowCache | undefined,
  { ftsMatch, period, single }: Scoring,
  lo: number | null,
  hi: number,
  rows: number,
  best: number,
): ScoredWindow {
  const inPeriod = period.from !== undefined || period.to !== undefined;
  const params = [
    ftsMatch,
    lo ?? 0,
    hi,
    rows,
    ...(inPeriod ? [period.from ?? Number.MIN_SAFE_INTEGER, period.to ?? Number.MAX_SAFE_INTEGER] : []),
  ];
  const keyOf = (low: number) => `${ftsMatch}\u0000${period.from ?? ""}\u0000${period.to ?? ""}\u0000${low}\u0000${hi}`;
  const cached = lo === null ? undefined : cache?.get(keyOf(lo));
  if (cached) return cached;
  if (lo === null && !single) {
    const top = db.sql
      .exec<{ r: number; score: number; lo: number; size: number }>(windowTopSql(inPeriod), ...params, best)
      .toArray();
    return { matches: top.map(({ r, score }) => ({ r, score })), lo: top[0]?.lo ?? 0, size: top[0]?.size ?? 0 };
  }
  const matches = single
    ? scoreOneToken(
        db.sql.exec<DocumentWords & Record<string, SqlStorageValue>>(windowWordsSql(inPeriod), ...params).toArray(),
        single.token,
        single.stats,
      )
    : db.sql.exec<{ r: number; score: number }>(windowSql(inPeriod), ...params).toArray();
  const scored = { lo: lo ?? matches.at(-1)?.r ?? 0, size: matches.length, matches }; // read newest first
  matches.sort((a, b) => b.score - a.score || b.r - a.r);
  if (cache && scored.size > 0) {
    while (cache.size >= CACHED_WINDOWS) cache.delete(cache.keys().next().value!);
    cache.set(keyOf(scored.lo), scored);
  }
  return scored;
}

/** The images of these seqs, in the same order. */
function recordsBySeq(db: LibraryDb, seqs: number[]): ImageRecord[] {
  if (seqs.length === 0) return [];
  const found = new Map(
    db.sql
      .exec<ImageRecordRow>(
        `SELECT ${IMAGE_RECORD_COLUMNS} FROM images i WHERE i.seq IN (SELECT value FROM json_each(?))`,
        JSON.stringify(seqs),
      )
      .toArray()
      .map((row) => [row.seq, toImageRecord(db.owner, row)]),
  );
  return seqs.flatMap((seq) => found.get(seq) ?? []);
}

export interface RankedSearchInput {
  q: string;
  match: SearchMatch;
  limit: number;
  cursor?: string | null | undefined;
  /** Only images of this period of the timeline (taken, else uploaded). */
  range?: TakenPeriod | undefined;
}

export function rankedSearch(
  db: LibraryDb,
  input: RankedSearchInput,
  options: SearchOptions = {},
): SearchPage | SearchError {
  const match: SearchMatch = input.match === "any" ? "any" : "all";
  const tokens = parseSearchQuery(typeof input.q === "string" ? input.q : "");
  if (tokens.length === 0) {
    return { error: "invalid_query", detail: "The query has no searchable words (letters or digits)." };
  }
  const limit = Math.min(100, Math.max(1, Math.floor(Number.isFinite(input.limit) ? input.limit : 20)));
  const window = Math.max(1, Math.floor(options.window ?? SEARCH_WINDOW));
  const period = input.range ?? {};
  const fingerprint = fingerprintOf(match, [...tokens, `${period.from ?? ""}..${period.to ?? ""}`]);
  // A token that only one word of the library starts with is matched as that word: the same documents and scores,
  // without FTS5 merging the doclists of a prefix longer than its prefix indexes (`animal`: 9.6 → 4.5 ms at 100k).
  const whole = wholeWords(db, tokens);
  const token = oneToken(tokens, whole);
  const broad = token && matchBound(db, token.word, token.prefix) >= (options.broadToken ?? BROAD_TOKEN_MATCHES);
  const stats = broad ? searchStats(db) : null;
  const scoring: Scoring = {
    ftsMatch: toFtsMatch(tokens, match, whole),
    period,
    // Not a broad token, or a library whose documents are not all in search_docs yet (search-docs.ts): bm25 in SQL.
    single: token && stats?.complete && stats.docs > 0 ? { token, stats } : null,
  };

  let hi = MAX_SEQ;
  let lo: number | null = null;
  let afterSeq: number | null = null;
  let afterScore: number | null = null;
  if (input.cursor != null && input.cursor !== "") {
    const c = decodeCursor(input.cursor);
    if (!c || c.f !== fingerprint) {
      return { error: "invalid_cursor", detail: "The cursor is malformed or belongs to a different query." };
    }
    hi = c.h;
    lo = c.l;
    afterSeq = c.r;
    afterScore = c.s;
  }

  const hits: (Scored & { hi: number; lo: number })[] = [];
  let exhausted = false;
  let windows = 0;
  while (hits.length <= limit) {
    if (windows === MAX_WINDOWS_PER_PAGE) break;
    windows++;
    const known = lo !== null;
    // A known window is re-read by range; 2× tolerates re-tags inside it.
    const best = limit + 1 - hits.length;
    const window_ = scoredWindow(db, options.cache, scoring, lo, hi, known ? window * 2 : window, best);
    const { matches: scored, lo: winLo, size } = window_;
    if (size === 0) {
      exhausted = true;
      break;
    }
    let from = 0;
    if (afterSeq !== null) {
      const boundary = scored.find((m) => m.r === afterSeq)?.score ?? (afterScore as number);
      from = scored.findIndex((m) => m.score < boundary || (m.score === boundary && m.r < (afterSeq as number)));
      if (from < 0) from = scored.length;
    }
    for (const m of scored.slice(from, from + limit + 1 - hits.length)) hits.push({ ...m, hi, lo: winLo });
    if (hits.length > limit) break;
    // This window is used up: continue with the next (older) one.
    if ((!known && size < window) || winLo <= 1) {
      exhausted = true;
      break;
    }
    hi = winLo - 1;
    lo = null;
    afterSeq = null;
    afterScore = null;
  }

  const page = hits.slice(0, limit);
  const images = new Map(
    recordsBySeq(
      db,
      page.map((hit) => hit.r),
    ).map((image) => [image.seq, image]),
  );
  let nextCursor: string | null = null;
  if (hits.length > limit) {
    const last = hits[limit - 1]!;
    nextCursor = encodeCursor({ f: fingerprint, h: last.hi, l: last.lo, r: last.r, s: last.score });
  } else if (!exhausted) {
    // Stopped by MAX_WINDOWS_PER_PAGE: resume at the window we were about to read.
    nextCursor =
      lo === null
        ? encodeCursor({ f: fingerprint, h: hi, l: -1, r: null, s: null })
        : encodeCursor({ f: fingerprint, h: hi, l: lo, r: afterSeq, s: afterScore });
  }
  return {
    hits: page.flatMap((hit) => {
      const image = images.get(hit.r);
      return image ? [{ seq: hit.r, id: image.id, score: hit.score, image }] : [];
    }),
    nextCursor,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Cursor: base64url(JSON {v:1, f, h, l, r, s}); l = -1 means "window not computed yet" (start of a window at h).

function encodeCursor(c: Cursor): string {
  return encodeJsonCursor({ v: 1, f: c.f, h: c.h, l: c.l ?? -1, r: c.r, s: c.s });
}

function decodeCursor(raw: string): (Omit<Cursor, "l"> & { l: number | null }) | null {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 512) return null;
  const obj = decodeJsonCursor(raw);
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return null;
  const o = obj as Record<string, unknown>;
  const isSeq = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= MAX_SEQ;
  if (o.v !== 1 || typeof o.f !== "string" || !isSeq(o.h)) return null;
  if (!(o.l === -1 || (isSeq(o.l) && o.l <= o.h))) return null;
  const hasAfter = o.r !== null;
  if (hasAfter) {
    if (!isSeq(o.r) || typeof o.s !== "number" || !Number.isFinite(o.s)) return null;
    if (o.l === -1) return null;
  } else if (o.s !== null) return null;
  return {
    f: o.f,
    h: o.h,
    l: o.l === -1 ? null : (o.l as number),
    r: hasAfter ? (o.r as number) : null,
    s: hasAfter ? (o.s as number) : null,
  };
}

/** FNV-1a 32-bit over (match, tokens): a cursor only continues the query that produced it. */
function fingerprintOf(match: SearchMatch, tokens: readonly string[]): string {
  let h = 0x811c9dc5;
  for (const ch of `${match}\u0000${tokens.join("\u0000")}`) {
    const cp = ch.codePointAt(0)!;
    h ^= cp;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}
