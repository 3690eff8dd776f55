// Parsing of the user's search text into safe FTS5 prefix tokens. Pure: no I/O.
//
// Rules:
//  - Unicode NFKC, lower-cased. Control characters (incl. NUL), punctuation, symbols and emoji are separators,
//    so FTS5 operators (`"`, `*`, `^`, `:`, `(`, `-`, `+`, NEAR/AND/OR/NOT in any case) can never reach MATCH as
//    syntax: a token is a run of letters, digits and combining marks only. `tiger-cat` → ["tiger", "cat"].
//  - A token is at most MAX_TOKEN_CHARS code points; at most MAX_TOKENS distinct tokens are kept (first ones win).
//  - Input longer than MAX_QUERY_CHARS is cut before parsing.
//  - The result is [] when nothing usable remains (empty, whitespace, only symbols/emoji): the caller answers 400.
// Even so, toFtsMatch() still double-quotes every token (doubling any `"`), and the whole MATCH string is bound
// as a parameter, never spliced into SQL.

export const MAX_QUERY_CHARS = 1024;
export const MAX_TOKENS = 8;
export const MAX_TOKEN_CHARS = 64;

const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;

export function parseSearchQuery(q: string): string[] {
  if (typeof q !== "string" || q.length === 0) return [];
  let text = q.length > MAX_QUERY_CHARS ? q.slice(0, MAX_QUERY_CHARS) : q;
  // Lone surrogates (a 1 KB cut can split a pair) would make normalize() keep garbage: drop them first.
  text = text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, " ");
  text = text.normalize("NFKC").toLowerCase();
  const tokens: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const token = Array.from(m[0]).slice(0, MAX_TOKEN_CHARS).join("");
    // A token made only of combining marks tokenizes to nothing in FTS5: skip it.
    if (!/[\p{L}\p{N}]/u.test(token)) continue;
    if (!tokens.includes(token)) tokens.push(token);
    if (tokens.length >= MAX_TOKENS) break;
  }
  return tokens;
}

/** Quote one token as an FTS5 string (any `"` doubled) followed by `*` (prefix match), or alone (that word only). */
export function quoteFtsToken(token: string, prefix = true): string {
  return `"${token.replaceAll('"', '""')}"${prefix ? "*" : ""}`;
}

/**
 * The FTS5 MATCH expression for already-parsed tokens: all → AND, any → OR. Never called with []. `wholeWords`:
 * tokens that are the only word of the index they are a prefix of, matched as that word, which finds the same
 * documents with the same scores without FTS5 merging the doclists of a prefix (see rankedSearch).
 */
export function toFtsMatch(
  tokens: readonly string[],
  match: "all" | "any",
  wholeWords: ReadonlySet<string> = new Set(),
): string {
  return tokens.map((token) => quoteFtsToken(token, !wholeWords.has(token))).join(match === "all" ? " AND " : " OR ");
}
