-- Images and their tags. `seq` is the stable integer key: it orders images newest-first for keyset pagination
-- and is the rowid of the image's search document (0003). `id` is the public identifier.
CREATE TABLE images (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  r2_key       TEXT NOT NULL,
  filename     TEXT NOT NULL,
  content_type TEXT NOT NULL,               -- detected from the bytes, never the client's claim
  bytes        INTEGER NOT NULL,
  width        INTEGER NOT NULL,
  height       INTEGER NOT NULL,
  sha256       TEXT NOT NULL,               -- hex
  tag_status   TEXT NOT NULL CHECK (tag_status IN ('pending', 'tagged', 'failed')),
  tag_error    TEXT,
  created_at   INTEGER NOT NULL,            -- unix ms
  UNIQUE (user_id, sha256)
);
CREATE INDEX images_user_seq ON images(user_id, seq DESC);

CREATE TABLE image_tags (
  image_id  TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  user_id   TEXT NOT NULL,                  -- denormalised owner, so tag queries filter by owner without a join
  label     TEXT NOT NULL,                  -- normalised: lower-case, trimmed, single spaces
  score     REAL NOT NULL,                  -- model confidence 0..1; 1 for user tags
  source    TEXT NOT NULL CHECK (source IN ('ai', 'user')),
  rejected  INTEGER NOT NULL DEFAULT 0,     -- 1: the user removed this AI tag; it stays hidden after a retag
  PRIMARY KEY (image_id, label)
);
CREATE INDEX image_tags_user_label ON image_tags(user_id, label) WHERE rejected = 0;
