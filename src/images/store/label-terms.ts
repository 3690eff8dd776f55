// Reads D1's `label_terms` (migrations/0004: each known label's broader WordNet words, e.g. "golden retriever" → dog,
// canine, animal, …): reference data shared by every library, copied into a library's `label_words` the first time
// one of its images carries the label (see search-index.ts).

/** The broader words of each of `labels`; a label D1 does not know maps to []. */
export async function lookupLabelWords(db: D1Database, labels: string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>(labels.map((label) => [label, []]));
  if (labels.length === 0) return found;
  const { results } = await db
    .prepare("SELECT label, words FROM label_terms WHERE label IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(labels))
    .all<{ label: string; words: string }>();
  for (const row of results) found.set(row.label, JSON.parse(row.words) as string[]);
  return found;
}
