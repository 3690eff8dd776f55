// Owner of a library's search index (`image_search`, FTS5) and of `term_counts`: keeping an image's search document
// and the library's word counts in step with its tags.
//
// A document has six columns: the visible labels by confidence bucket (c4 … c0), and `a`, the distinct broader
// words of those labels (`label_words`, from WordNet: "golden retriever" → dog, canine, animal, …). SEARCH_WEIGHTS
// gives `a` a tiny bm25 weight, so an ancestor-only match always ranks below a direct one (see ranked-search.ts).
// The document's rowid is the image's seq. The index is the library's own, so bm25's statistics (how rare a word
// is, how long documents are) are the owner's: a word common in someone else's library no longer weighs less here.
//
// term_counts holds, per word, how many documents contain it (as a word of a label or a broader word: what a search
// for the word finds) and in how many as a broader word; autocomplete reads it instead of counting matches.

import type { Tag } from "../tagger";
import type { LibraryDb } from "./library-schema";
import { writeSearchDoc } from "./search-docs";
import { visibleTags } from "./tag-rows";

/** bm25() column weights, in column order: confidence buckets c4 … c0, then the broader words. */
export const SEARCH_WEIGHTS = [1.0, 0.8, 0.6, 0.4, 0.2, 0.001] as const;

const BUCKET_FLOORS = [0.8, 0.6, 0.4, 0.2, Number.NEGATIVE_INFINITY] as const;

interface ImageTerms {
  /** The words a search finds the image by. */
  all: Set<string>;
  /** Those that come from the broader words of its labels. */
  via: Set<string>;
}

/**
 * Runs `change` (writes to the image's tags, or its deletion) and brings the image's search document and the term
 * counts in step, all inside the caller's transaction. Labels must have their broader words in `label_words`
 * (learned before the transaction: see the library engine).
 */
export function reindexed<T>(db: LibraryDb, imageId: string, seq: number, change: () => T): T {
  const before = imageTerms(db, imageId);
  const result = change();
  const tags = visibleTags(db, imageId);
  const after = imageTerms(db, imageId, tags);
  const columns = documentColumns(tags, after);
  db.sql.exec("DELETE FROM image_search WHERE rowid = ?", seq);
  if (columns) {
    db.sql.exec(
      "INSERT INTO image_search (rowid, c4, c3, c2, c1, c0, a) VALUES (?, ?, ?, ?, ?, ?, ?)",
      seq,
      ...columns.map((text) => text || null),
    );
  }
  writeSearchDoc(db, seq, columns?.map(words) ?? null);
  countTerms(db, before, -1);
  countTerms(db, after, +1);
  return result;
}

/** The words of the image's search document, column by column (search-docs.ts), or null when it has none. */
export function searchDocWords(db: LibraryDb, imageId: string): string[][] | null {
  const tags = visibleTags(db, imageId);
  return documentColumns(tags, imageTerms(db, imageId, tags))?.map(words) ?? null;
}

/** The texts of a document's columns, c4 … c0 then a; null when the image has no visible tag (and no document). */
function documentColumns(tags: readonly Tag[], terms: ImageTerms): string[] | null {
  if (tags.length === 0) return null;
  const buckets = BUCKET_FLOORS.map((floor, i) =>
    tags
      .filter((tag) => tag.score >= floor && (i === 0 || tag.score < BUCKET_FLOORS[i - 1]!))
      .map((tag) => tag.label)
      .join(", "),
  );
  return [...buckets, [...terms.via].join(" ")];
}

/** The words an image is found by, from its visible labels and their broader words. */
function imageTerms(db: LibraryDb, imageId: string, tags: readonly Tag[] = visibleTags(db, imageId)): ImageTerms {
  const all = new Set<string>();
  const via = new Set<string>();
  for (const { label } of tags) for (const word of words(label)) all.add(word);
  for (const word of broaderWords(
    db,
    tags.map((tag) => tag.label),
  )) {
    via.add(word);
    all.add(word);
  }
  return { all, via };
}

function countTerms(db: LibraryDb, terms: ImageTerms, delta: 1 | -1): void {
  for (const term of terms.all) {
    db.sql.exec(
      `INSERT INTO term_counts (term, images, via) VALUES (?1, ?2, ?3)
       ON CONFLICT (term) DO UPDATE SET images = images + ?2, via = via + ?3`,
      term,
      delta,
      terms.via.has(term) ? delta : 0,
    );
  }
  if (delta < 0 && terms.all.size > 0) db.sql.exec("DELETE FROM term_counts WHERE images <= 0");
}

/** The distinct broader words of these labels, as label_words knows them. */
function broaderWords(db: LibraryDb, labels: string[]): string[] {
  if (labels.length === 0) return [];
  return db.sql
    .exec<{ word: string }>(
      `SELECT DISTINCT w.value AS word FROM label_words l, json_each(l.words) w
       WHERE l.label IN (SELECT value FROM json_each(?))`,
      JSON.stringify(labels),
    )
    .toArray()
    .map((row) => row.word);
}

/** A label's words as FTS5's unicode61 tokenizer (remove_diacritics 2) sees them: letters and digits, lower-case. */
export function words(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Of these labels, the ones whose broader words the library has not stored yet. */
export function unknownLabels(db: LibraryDb, labels: string[]): string[] {
  if (labels.length === 0) return [];
  const known = new Set(
    db.sql
      .exec<{ label: string }>(
        "SELECT label FROM label_words WHERE label IN (SELECT value FROM json_each(?))",
        JSON.stringify(labels),
      )
      .toArray()
      .map((row) => row.label),
  );
  return [...new Set(labels)].filter((label) => !known.has(label));
}

/** Stores labels' broader words (a label with none is stored with [], so it is not looked up again). */
export function learnLabels(db: LibraryDb, words: Map<string, string[]>): void {
  for (const [label, list] of words) {
    db.sql.exec("INSERT OR REPLACE INTO label_words (label, words) VALUES (?, ?)", label, JSON.stringify(list));
  }
}

/** Uploads add one small FTS5 segment each; merging a bounded amount now and then keeps reads few and short. */
export function mergeSearchIndex(db: LibraryDb): void {
  db.sql.exec("INSERT INTO image_search (image_search, rank) VALUES ('merge', 500)");
}

/**
 * Of these search tokens, those that are the only word of the library they are a prefix of (`animal`, when no
 * `animals` or `animalcule` is indexed). term_counts holds every word of every document, spelled as the tokenizer
 * spells it (`words`), so a token that `words` would spell otherwise is left out (matched as a prefix, as always).
 */
export function wholeWords(db: LibraryDb, tokens: readonly string[]): Set<string> {
  const whole = new Set<string>();
  for (const token of tokens) {
    const spelled = words(token);
    if (spelled.length !== 1 || spelled[0] !== token) continue;
    const found = db.sql
      .exec<{ term: string }>(
        "SELECT term FROM term_counts WHERE term >= ?1 AND term < ?1 || char(1114111) LIMIT 2",
        token,
      )
      .toArray();
    if (found.length === 1 && found[0]!.term === token) whole.add(token);
  }
  return whole;
}

/**
 * At most how many documents a search for `word` finds: the documents holding it, or for a prefix those holding each
 * word it starts, added up (a document with two such words counts twice).
 */
export function matchBound(db: LibraryDb, word: string, prefix: boolean): number {
  return db.sql
    .exec<{ n: number }>(
      `SELECT coalesce(sum(images), 0) AS n FROM term_counts WHERE ${prefix ? "term >= ?1 AND term < ?1 || char(1114111)" : "term = ?1"}`,
      word,
    )
    .one().n;
}

export interface BroaderTermCount {
  term: string;
  count: number;
}

/**
 * Broader words of the library's visible labels that start with `prefix` (normalised, non-empty), each with how many
 * images a search for the whole word finds (a label word or a broader word); most images first, then by word.
 */
export function countBroaderTerms(db: LibraryDb, prefix: string, limit: number): BroaderTermCount[] {
  return db.sql
    .exec<{ term: string; count: number }>(
      `SELECT term, images AS count FROM term_counts
       WHERE term >= ?1 AND term < ?1 || char(1114111) AND via > 0
       ORDER BY images DESC, term LIMIT ?2`,
      prefix,
      limit,
    )
    .toArray();
}
