// bm25's order for a query of one broad token, without bm25. FTS5's bm25 (k1 = 1.2, b = 0.75) scores a document
// for a one-token query as
//
//   idf × f × (k1 + 1) / (f + k1 × (1 − b + b × D / avgdl))
//
// with f the token's weighted hits in the document, D the document's words and avgdl the average of D. idf is the
// same for every document of the query, so the order is that of the rest, which needs no idf. FTS5 still works idf
// out on every statement by reading every document the token matches (its count pass: 2.3–2.6 ms for `c`, 90k
// documents, at 100k images), which for a broad token costs more than ranking the window itself. Here f, D and avgdl
// come from search_docs and search_stats (store/search-docs.ts), added up in FTS5's order, so the order is bm25's
// exactly, over the library's documents as they are (test/images/search/one-token-ranking.test.ts compares it with an
// index built afresh from them); the score is bm25's divided by the idf. FTS5's own totals are not as they are: it
// does not lower its row count and word total on a contentless delete, so every document a re-tag replaced or a
// delete removed still counts in them (measured: 11 rows after 8 images, 3 of them re-tagged).
import { type SearchStats, weightedHits } from "../store/search-docs";
import { SEARCH_WEIGHTS, words } from "../store/search-index";

const K1 = 1.2;
const B = 0.75;

/**
 * Ranked this way only when the token may match at least this many documents (`matchBound`); below, bm25 in SQL is
 * faster, its count pass being short. Measured at 100k images in Node (whole rankedSearch() calls, p50, 2026-12-06):
 * whole words matching 1k–22k documents 1.7–2.2 ms with bm25 against 2.6–3.0 ms this way (which reads the window's
 * 1000 rows of search_docs whatever the token); 47k–50k, 2.84 against 2.53; `c` (90k), 3.88 against 2.37.
 */
export const BROAD_TOKEN_MATCHES = 40_000;

/** The one token of a query as the index spells it, and whether it is matched as a prefix. */
export interface OneToken {
  word: string;
  prefix: boolean;
}

/** A query's one token, when it has one token that the index spells as one word; else null (rank with bm25). */
export function oneToken(tokens: readonly string[], wholeWords: ReadonlySet<string>): OneToken | null {
  if (tokens.length !== 1) return null;
  const spelled = words(tokens[0]!);
  return spelled.length === 1 ? { word: spelled[0]!, prefix: !wholeWords.has(tokens[0]!) } : null;
}

/** A matching document's seq, words and words by column (null when it has no row: it scores 0). */
export interface DocumentWords {
  r: number;
  tokens: number | null;
  terms: string | null;
}

/** bm25's score without its idf, for each document. */
export function scoreOneToken(
  docs: readonly DocumentWords[],
  token: OneToken,
  stats: SearchStats,
): { r: number; score: number }[] {
  const avgdl = stats.tokens / stats.docs;
  return docs.map(({ r, tokens, terms }) => {
    const f = terms === null ? 0 : weightedHits(terms, token.word, token.prefix, SEARCH_WEIGHTS);
    return { r, score: (f * (K1 + 1.0)) / (f + K1 * (1 - B + (B * (tokens ?? 0)) / avgdl)) };
  });
}
