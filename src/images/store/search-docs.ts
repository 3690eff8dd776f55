// Owner of `search_docs` and `search_stats`: every search document's words, column by column, and the index's totals
// (documents, words), kept in step with `image_search` by reindexed() (search-index.ts). With them a query of one
// broad token is ranked in bm25's order without bm25 (see search/one-token-ranking.ts): FTS5's bm25 first reads every
// document the token matches (90k for `c` at 100k images), only to work out the token's idf.
//
// A row's `terms` is its document's columns in index order (c4 … c0, a), separated by `|`; a column is its words as
// the tokenizer spells them (`words`), each after a space, and a space at the end: " golden retriever | | | | | dog ".
// So " c" finds the words starting with c and " dog " the word dog, with the column told by the `|`s before it.
//
// Libraries indexed before these tables existed (schema step 6) fill them in the background, oldest image first
// (`backfillSearchDocs`, from the alarm); until then every query is ranked by bm25 in SQL.
import type { LibraryDb } from "./library-schema";

/** Brings the image's row of search_docs, and the totals, in step with its document's words (null: it has none). */
export function writeSearchDoc(db: LibraryDb, seq: number, columns: readonly (readonly string[])[] | null): void {
  const old = db.sql.exec<{ tokens: number }>("DELETE FROM search_docs WHERE seq = ? RETURNING tokens", seq).toArray();
  let docs = -old.length;
  let tokens = -(old[0]?.tokens ?? 0);
  if (columns) {
    const count = columns.reduce((sum, column) => sum + column.length, 0);
    const terms = columns.map((column) => `${column.map((word) => ` ${word}`).join("")} `).join("|");
    db.sql.exec("INSERT INTO search_docs (seq, tokens, terms) VALUES (?, ?, ?)", seq, count, terms);
    docs += 1;
    tokens += count;
  }
  if (docs !== 0 || tokens !== 0) {
    db.sql.exec("UPDATE search_stats SET docs = docs + ?, tokens = tokens + ?", docs, tokens);
  }
}

export interface SearchStats {
  /** Documents in the index (FTS5's row count). */
  docs: number;
  /** Words in all of them (FTS5's total size). */
  tokens: number;
  /** Whether every document has its row: until then, rank with bm25. */
  complete: boolean;
}

export function searchStats(db: LibraryDb): SearchStats {
  const row = statsRow(db);
  return { docs: row.docs, tokens: row.tokens, complete: row.after >= row.until };
}

/** search_stats' one row: the totals, and how far the backfill has come (seqs in (after, until] still to do). */
function statsRow(db: LibraryDb) {
  return db.sql
    .exec<{ docs: number; tokens: number; after: number; until: number }>(
      "SELECT docs, tokens, backfill_after AS after, backfill_until AS until FROM search_stats",
    )
    .one();
}

/**
 * The weighted number of times a document's words match `word` (every word starting with it when `prefix`), each
 * counted with its column's weight, added in column and word order as FTS5's bm25 adds them.
 */
export function weightedHits(terms: string, word: string, prefix: boolean, weights: readonly number[]): number {
  const needle = prefix ? ` ${word}` : ` ${word} `;
  let hits = 0;
  let column = 0;
  let columnEnd = terms.indexOf("|");
  for (let at = terms.indexOf(needle); at >= 0; at = terms.indexOf(needle, at + 1)) {
    while (columnEnd >= 0 && at > columnEnd) {
      column++;
      columnEnd = terms.indexOf("|", columnEnd + 1);
    }
    hits += weights[column]!;
  }
  return hits;
}

/**
 * Writes the rows of up to `limit` images indexed before search_docs existed, oldest first, from their documents as
 * `columnsOf` gives them (null: no document); true when more are left.
 */
export function backfillSearchDocs(
  db: LibraryDb,
  limit: number,
  columnsOf: (imageId: string) => readonly (readonly string[])[] | null,
): boolean {
  const { after, until } = statsRow(db);
  if (after >= until) return false;
  const images = db.sql
    .exec<{ seq: number; id: string }>(
      "SELECT seq, id FROM images WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
      after,
      until,
      limit,
    )
    .toArray();
  for (const { seq, id } of images) writeSearchDoc(db, seq, columnsOf(id));
  const done = images.length < limit ? until : images.at(-1)!.seq;
  db.sql.exec("UPDATE search_stats SET backfill_after = ?", done);
  return done < until;
}
