// Reads of `label_terms` (migrations/0004: each known label's broader WordNet words, e.g. "golden retriever" → dog,
// canine, animal, …) for autocomplete. The search index puts the same words into each image's document (column `a`,
// see search-index.ts), so the counts here are read from that index: they are what search finds, by construction.
import { SEARCH_SEQ_SPAN } from "./search-index";

export interface BroaderTermCount {
  term: string;
  count: number;
}

// ?1 user_id  ?2 prefix (normalised, non-empty)  ?3 limit
//
// terms: the broader words starting with the prefix of the labels the owner has a visible (non-rejected) tag for —
// the same words search-index.ts writes into the owner's documents. label_terms is small (~1000 rows) and the same
// for everyone, so it is scanned first and each label is checked against the owner's (user_id, label) index: a
// fixed cost, instead of expanding every tag of a large library. `instr` skips a label's JSON unless some word in it
// starts with the prefix (each word follows a `"`; words are letters and digits, so the JSON spells them as they
// are); the range on the word is the real test. Neither is a LIKE, so `%` and `_` in the prefix are plain characters.
//
// count: the owner's documents (their rowid range, as in ranked-search.ts) containing the word as a whole token, in
// any column: images with a label the word is broader than, or a label of their own holding the word (`dog`, `hot
// dog`). That is what a search for the word finds, except images it reaches only as the prefix of a longer word.
// The word becomes an FTS5 string (any `"` doubled) inside SQL; the only parameters are bound.
const SQL_BROADER_TERMS = `
WITH own(lo) AS (SELECT n * ${SEARCH_SEQ_SPAN} FROM image_search_owner WHERE user_id = ?1),
terms(term) AS (
  SELECT DISTINCT w.value FROM label_terms l, json_each(l.words) w
  WHERE instr(l.words, '"' || ?2) > 0 AND w.value >= ?2 AND w.value < ?2 || char(1114111)
    AND EXISTS (SELECT 1 FROM image_tags t WHERE t.user_id = ?1 AND t.label = l.label AND t.rejected = 0)
),
counted(term, count) AS (
  SELECT term, (
    SELECT count(*) FROM image_search
    WHERE image_search MATCH '"' || replace(term, '"', '""') || '"'
      AND rowid BETWEEN own.lo AND own.lo + ${SEARCH_SEQ_SPAN - 1}
  )
  FROM terms, own
)
SELECT term, count FROM counted WHERE count > 0 ORDER BY count DESC, term LIMIT ?3`;

/**
 * Broader words of the owner's visible labels that start with `prefix` (already normalised, non-empty), each with
 * how many of the owner's images a search for the whole word finds; most images first, then by word.
 */
export async function countBroaderTerms(
  db: D1Database,
  userId: string,
  prefix: string,
  limit: number,
): Promise<BroaderTermCount[]> {
  const { results } = await db.prepare(SQL_BROADER_TERMS).bind(userId, prefix, limit).all<BroaderTermCount>();
  return results;
}
