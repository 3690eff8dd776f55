-- Tag search (GET /v1/images/search). See src/images/search.ts for the ranking semantics.
--
-- One FTS5 document per image that has at least one non-rejected tag. Its labels are spread over five columns
-- by confidence bucket, so bm25() with column weights turns the tag confidence into a term-frequency weight:
--   c4: score >= 0.8 (user tags: 1.0)   c3: [0.6, 0.8)   c2: [0.4, 0.6)   c1: [0.2, 0.4)   c0: < 0.2
-- Rejected tags are never written into a document.
--
-- rowid = owner_no * 2^36 + images.seq. The owner is part of the key, so "this user's documents" is a rowid
-- RANGE that FTS5 seeks to directly: the owner filter runs inside the full-text query without an extra phrase
-- (an owner token would be one more phrase whose idf bm25() recomputes over all of the user's documents on every
-- query: measured ~9 ms at 100k images). Newest-first within a user is rowid DESC, which FTS5 yields in index
-- order. Limits: images.seq < 2^36, owner_no < 2^27 (the sum stays below 2^63). JS never sees these rowids: SQL
-- converts them to seq.
--
-- prefix = '1 2 3 4 5': every query token is a prefix ("gold"*), and a prefix token of 1-5 characters reads its
-- own prefix index instead of merging the doclists of every term that starts with it (once for MATCH, again for
-- bm25()'s idf). Same matches, same scores; at 100k images multi-token p95 ~4.0 → ~3.1 ms (bench/), for
-- +40 % index size (20 → 29 MB) and ~+20 % indexing work. Longer tokens rarely prefix more than one term.
--
-- contentless (content='') with contentless_delete=1: the labels live in image_tags; the index keeps only what
-- matching and bm25() need (SQLite >= 3.43).
CREATE VIRTUAL TABLE image_search USING fts5(
  c4, c3, c2, c1, c0,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '1 2 3 4 5',
  content = '',
  contentless_delete = 1
);

-- Small dense number per user that has ever had a search document (assigned on first index, never reused).
CREATE TABLE image_search_owner (
  n       INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL UNIQUE
);

-- Safety net: however an images row goes away (DELETE route, ON DELETE CASCADE from users), its document goes too.
-- The DELETE route also appends unindexImageStatements() explicitly; deleting twice is harmless.
CREATE TRIGGER images_search_delete AFTER DELETE ON images
BEGIN
  DELETE FROM image_search
  WHERE rowid = (SELECT n FROM image_search_owner WHERE user_id = old.user_id) * 68719476736 + old.seq;
END;
