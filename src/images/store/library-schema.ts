// The schema of a user's library (one Durable Object per user, SQLite storage: see library/library-engine.ts), with its
// versions inside the object: `library_meta.schema` says how many of LIBRARY_SCHEMA's steps ran, and opening an
// object runs the rest, each in its own transaction. So a deploy never migrates millions of objects at once: each
// one catches up the first time it is used. Append a step to change the schema; never edit one that has shipped.
//
// One library is one owner, so no table has a user_id: the owner is the object itself.

/** A library's SQL and whose library it is: what every owner of the library's tables works on. */
export interface LibraryDb {
  sql: SqlStorage;
  owner: string;
}

export const LIBRARY_SCHEMA: readonly string[] = [
  // 1: images, tags, the search index, broader words and their counts, the rendition budget, file releases.
  `
  CREATE TABLE images (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT, -- only grows: cursors and search documents key on it
    id               TEXT NOT NULL UNIQUE,
    r2_key           TEXT NOT NULL,
    filename         TEXT NOT NULL,
    content_type     TEXT NOT NULL,                     -- detected from the bytes, never the client's claim
    bytes            INTEGER NOT NULL,
    width            INTEGER NOT NULL,                  -- as shown (EXIF orientation, HEIF rotation applied)
    height           INTEGER NOT NULL,
    sha256           TEXT NOT NULL UNIQUE,              -- hex; the same bytes are one image
    tag_status       TEXT NOT NULL CHECK (tag_status IN ('pending', 'tagged', 'failed')),
    tag_error        TEXT,
    tag_queued_at    INTEGER,                           -- when its tagging was last handed to the queue
    geometry_checked INTEGER NOT NULL DEFAULT 1,        -- 0: moved from D1 with the stored dimensions, to re-read
    created_at       INTEGER NOT NULL                   -- unix ms
  );
  CREATE INDEX images_tag_pending ON images (tag_queued_at) WHERE tag_status = 'pending';
  CREATE INDEX images_geometry_pending ON images (seq) WHERE geometry_checked = 0;

  CREATE TABLE image_tags (
    image_id TEXT NOT NULL,
    label    TEXT NOT NULL,                 -- normalised: lower-case, trimmed, single spaces
    score    REAL NOT NULL,                 -- model confidence 0..1; 1 for user tags
    source   TEXT NOT NULL CHECK (source IN ('ai', 'user')),
    model    TEXT,                          -- the model behind an AI tag; NULL for user tags
    rejected INTEGER NOT NULL DEFAULT 0,    -- 1: removed by the user; stays hidden across retags
    PRIMARY KEY (image_id, label)
  ) WITHOUT ROWID;
  CREATE INDEX image_tags_label ON image_tags (label) WHERE rejected = 0;

  -- One document per image with visible tags, rowid = images.seq (see store/search-index.ts).
  CREATE VIRTUAL TABLE image_search USING fts5(
    c4, c3, c2, c1, c0, a,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3 4 5',
    content = '',
    contentless_delete = 1
  );

  -- The broader words of each label this library has used (D1's label_terms, copied on first use).
  CREATE TABLE label_words (label TEXT PRIMARY KEY, words TEXT NOT NULL) WITHOUT ROWID;

  -- Per word: how many images' documents hold it (images), and in how many as a broader word (via): autocomplete.
  CREATE TABLE term_counts (
    term   TEXT PRIMARY KEY,
    images INTEGER NOT NULL,
    via    INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- New renditions made in the current fixed window (RENDITIONS_PER_HOUR).
  CREATE TABLE rendition_budget (
    one          INTEGER PRIMARY KEY CHECK (one = 1),
    window_start INTEGER NOT NULL,
    made         INTEGER NOT NULL
  );

  -- Files of deleted content being (or to be) removed from R2; gen moves on with every release (store/releases.ts).
  CREATE TABLE releases (
    sha256  TEXT PRIMARY KEY,
    gen     INTEGER NOT NULL,
    pending INTEGER NOT NULL,
    at      INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 2: what photos say about themselves (EXIF: when, with what, where) and a perceptual hash, for the timeline and
  // near-duplicates. NULL metadata: not read yet (images stored before this step; the alarm reads them).
  `
  ALTER TABLE images ADD COLUMN metadata TEXT;        -- JSON PhotoMetadata (photo-metadata.ts)
  ALTER TABLE images ADD COLUMN taken_ms INTEGER;     -- when it was taken, epoch ms (see PhotoMetadata.takenAtMs)
  ALTER TABLE images ADD COLUMN phash TEXT;           -- 64-bit dHash, 16 hex digits (perceptual-hash.ts)
  CREATE INDEX images_timeline ON images (coalesce(taken_ms, created_at), seq);
  CREATE INDEX images_metadata_pending ON images (seq) WHERE metadata IS NULL;
  CREATE INDEX images_phash ON images (phash) WHERE phash IS NOT NULL;
  `,
  // 3: non-destructive edits (edits.ts). The version grows with every change and names every rendition, so one made
  // from an earlier edit is never served.
  `
  ALTER TABLE images ADD COLUMN edits TEXT;           -- JSON ImageEdits, normalised; NULL: not edited
  ALTER TABLE images ADD COLUMN edit_version INTEGER NOT NULL DEFAULT 0;
  `,
  // 4: the owner's presets: named rendition recipes (presets.ts), usable as ?preset= and in a processing session.
  `
  CREATE TABLE presets (
    name       TEXT PRIMARY KEY,                      -- [a-z0-9-]{1,40}, never a built-in's name
    options    TEXT NOT NULL,                         -- JSON PresetOptions
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 5: which contents have renditions that draw which image as a watermark (watermark-uses.ts), so that deleting the
  // watermark deletes them. Renditions made before this step are not known: the orphan sweep cannot tell them either.
  `
  CREATE TABLE watermark_uses (
    watermark_id TEXT NOT NULL,                       -- the image drawn
    sha256       TEXT NOT NULL,                       -- the content whose renditions draw it (image-objects.ts)
    PRIMARY KEY (watermark_id, sha256)
  ) WITHOUT ROWID;
  `,
  // 6: each search document's words and the index's totals (store/search-docs.ts), so a one-token query is ranked
  // without bm25's count pass. Images indexed before this step get their rows from the alarm, up to backfill_until.
  `
  CREATE TABLE search_docs (
    seq    INTEGER PRIMARY KEY,                       -- the document's rowid in image_search: the image's seq
    tokens INTEGER NOT NULL,                          -- its words, all columns
    terms  TEXT NOT NULL                              -- its words by column (search-docs.ts)
  );
  CREATE TABLE search_stats (
    one            INTEGER PRIMARY KEY CHECK (one = 1),
    docs           INTEGER NOT NULL,                  -- rows of search_docs
    tokens         INTEGER NOT NULL,                  -- their words
    backfill_after INTEGER NOT NULL,                  -- images up to this seq have their row
    backfill_until INTEGER NOT NULL                   -- the last image indexed before this step
  );
  INSERT INTO search_stats VALUES (1, 0, 0, 0, (SELECT coalesce(max(seq), 0) FROM images));
  `,
];

/** Brings the object's schema up to date; returns the version it is at. Safe to call on every open. */
export function migrateLibrary(storage: DurableObjectStorage): number {
  const { sql } = storage;
  sql.exec("CREATE TABLE IF NOT EXISTS library_meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID");
  let version = Number(readMeta(sql, "schema") ?? 0);
  while (version < LIBRARY_SCHEMA.length) {
    const step = LIBRARY_SCHEMA[version]!;
    storage.transactionSync(() => {
      sql.exec(step);
      writeMeta(sql, "schema", version + 1);
    });
    version++;
  }
  return version;
}

export function readMeta(sql: SqlStorage, key: string): SqlStorageValue | undefined {
  return sql.exec<{ value: SqlStorageValue }>("SELECT value FROM library_meta WHERE key = ?", key).toArray()[0]?.value;
}

export function writeMeta(sql: SqlStorage, key: string, value: SqlStorageValue): void {
  sql.exec("INSERT OR REPLACE INTO library_meta (key, value) VALUES (?, ?)", key, value);
}
