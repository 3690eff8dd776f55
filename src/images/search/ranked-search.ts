// Tag search: GET /v1/images/search?q=…&match=all|any&limit&cursor
//
// MATCHING. parseSearchQuery() turns q into ≤ 8 letter/digit tokens; each becomes a quoted FTS5 prefix
// ("ret"* finds "golden retriever"). match=all joins them with AND (every token must prefix-match some word of
// some non-rejected label of the image, or of those labels' broader terms — `dog` finds a golden retriever, see
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
// are ordered by confidence (and document length) alone, at a tiny absolute score.
//
// BOUNDED RANKING (the broad-query strategy). Scoring every match of a broad prefix costs ~100-200 ms at 100k
// images, so a query never scores more than SEARCH_WINDOW images at once: the user's matches are cut, newest
// first (rowid DESC, free in FTS5), into consecutive windows of SEARCH_WINDOW matches; results are ranked by
// score within a window, and windows follow each other from newest to oldest. The exact order is therefore
// (window ASC, score DESC, seq DESC). When a query has ≤ SEARCH_WINDOW matches (every selective query at the
// sizes we serve) there is one window and the ranking is global. The cost of any page is bounded by one window,
// plus bm25's idf pass over each token's documents.
//
// PAGINATION. The opaque cursor (base64url JSON) carries the current window's seq bounds [lo, hi], the last
// returned (seq, score) and a fingerprint of (match, tokens). The next page re-evaluates that window only
// (rowid range; images uploaded meanwhile have larger seq and fall outside it) and continues strictly after
// the last hit in (score DESC, seq DESC) order, then moves on to the next window (seq < lo). The boundary score
// is the last hit's score re-computed in the same statement (it falls back to the stored one only if that image
// no longer matches), so writes elsewhere that shift bm25's global statistics between two page requests do not
// make tied images be skipped or repeated.

import { decodeJsonCursor, encodeJsonCursor } from "../../lib/cursors";
import {
  IMAGE_RECORD_COLUMNS,
  type ImageRecord,
  type ImageRecordRow,
  type LibraryDb,
  toImageRecord,
} from "../store/image-rows";
import { SEARCH_WEIGHTS } from "../store/search-index";
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

/** Matches scored together; see BOUNDED RANKING above. Tuned with bench/ (≤ 50 ms p95 for broad prefixes at 100k). */
export const SEARCH_WINDOW = 2000;
/** A page may cross windows; stop after this many queries and hand back a cursor for the rest. */
const MAX_QUERIES_PER_PAGE = 4;
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export interface SearchOptions {
  window?: number;
}

interface Cursor {
  f: string;
  h: number;
  l: number;
  r: number | null;
  s: number | null;
}

// ?1 MATCH  ?2 window lo seq  ?3 window hi seq  ?4 window row limit  ?5 after seq  ?6 after score  ?7 rows wanted
// One statement per window: the window's matches with their scores (materialized once, as FTS5 rowids: no per-row
// seq arithmetic), a meta row (kind 0: min seq, count) and the page (kind 1): only the page's rows are joined to
// images, and they come back whole, with their tags, in this same round trip.
// SQL_FIRST is the same statement without the "after" filter (first page of a window: ?5/?6 are NULL).
/** The meta row's image columns: all NULL but `seq` (the window's lowest). */
const META_COLUMNS =
  "min(r) AS seq, NULL AS id, NULL AS r2_key, NULL AS filename, NULL AS content_type, NULL AS bytes, NULL AS width, NULL AS height, NULL AS sha256, NULL AS tag_status, NULL AS tag_error, NULL AS created_at, NULL AS tags_json";
const sqlWindow = (after: boolean) => `
WITH win AS MATERIALIZED (
  SELECT rowid AS r, -bm25(image_search, ${SEARCH_WEIGHTS.join(", ")}) AS score
  FROM image_search
  WHERE image_search MATCH ?1 AND rowid BETWEEN ?2 AND ?3
  ORDER BY rowid DESC
  LIMIT ?4
)${
  after
    ? `,
after AS (SELECT coalesce((SELECT score FROM win WHERE +r = ?5), ?6) AS score, ?5 AS r)`
    : ""
}
SELECT 0 AS kind, count(*) AS score, ${META_COLUMNS} FROM win
UNION ALL
SELECT * FROM (
  SELECT 1, w.score, ${IMAGE_RECORD_COLUMNS}
  FROM (
    SELECT r, score FROM win${
      after
        ? `
    WHERE score < (SELECT score FROM after) OR (score = (SELECT score FROM after) AND r < (SELECT r FROM after))`
        : ""
    }
    ORDER BY score DESC, r DESC
    LIMIT ?7
  ) w
  JOIN images i ON i.seq = w.r   -- only the page's rows are joined
  ORDER BY w.score DESC, w.r DESC
)`;
const SQL_FIRST = sqlWindow(false);
// Strictly after (after score, ?6) in (score DESC, seq DESC) order; the after score is re-computed in this
// statement when the image still matches, else the stored ?7. (`+r`: one scan of win; without the `+` SQLite
// builds an automatic index on win for this single lookup, measured +0.2 ms (500 matches) to +1.2 ms (4000 rows).)
const SQL_AFTER = sqlWindow(true);

export interface RankedSearchInput {
  q: string;
  match: SearchMatch;
  limit: number;
  cursor?: string | null | undefined;
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
  const fingerprint = fingerprintOf(match, tokens);
  const ftsMatch = toFtsMatch(tokens, match);

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

  const hits: (SearchHit & { hi: number; lo: number })[] = [];
  let exhausted = false;
  let queries = 0;
  while (hits.length <= limit) {
    if (queries === MAX_QUERIES_PER_PAGE) break;
    queries++;
    const known = lo !== null;
    const rows = db.sql
      .exec<{ kind: number; score: number } & ImageRecordRow>(
        afterSeq === null ? SQL_FIRST : SQL_AFTER,
        ftsMatch,
        lo ?? 0,
        hi,
        known ? window * 2 : window, // a known window is re-read by range; 2× tolerates re-tags inside it
        afterSeq,
        afterScore,
        limit + 1 - hits.length,
      )
      .toArray();
    const meta = rows.find((r) => r.kind === 0);
    const count = meta?.score ?? 0;
    if (count === 0 || meta?.seq == null) {
      exhausted = true;
      break;
    }
    const winLo = known ? (lo as number) : meta.seq;
    for (const r of rows) {
      if (r.kind !== 1 || r.seq == null || r.id == null) continue;
      const { kind: _kind, score, ...row } = r;
      hits.push({ seq: r.seq, id: r.id, score, image: toImageRecord(db.owner, row), hi, lo: winLo });
    }
    if (hits.length > limit) break;
    // This window is used up: continue with the next (older) one.
    if (!known && count < window) {
      exhausted = true;
      break;
    }
    if (winLo <= 1) {
      exhausted = true;
      break;
    }
    hi = winLo - 1;
    lo = null;
    afterSeq = null;
    afterScore = null;
  }

  const page = hits.slice(0, limit).map(({ hi: _hi, lo: _lo, ...hit }) => hit);
  let nextCursor: string | null = null;
  if (hits.length > limit) {
    const last = hits[limit - 1]!;
    nextCursor = encodeCursor({ f: fingerprint, h: last.hi, l: last.lo, r: last.seq, s: last.score });
  } else if (!exhausted) {
    // Stopped by MAX_QUERIES_PER_PAGE: resume at the window we were about to read.
    nextCursor =
      lo === null
        ? encodeCursor({ f: fingerprint, h: hi, l: -1, r: null, s: null })
        : encodeCursor({ f: fingerprint, h: hi, l: lo, r: afterSeq, s: afterScore });
  }
  return { hits: page, nextCursor };
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
