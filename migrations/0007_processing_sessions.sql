-- Processing sessions live in Durable Objects (one each, src/processing/engine/); this is the per-user index that
-- lists them (GET /v1/processing-sessions: newest first, by status) and finds a session's owner in SQL before any
-- object is touched. Each object keeps its row in step.
CREATE TABLE processing_sessions (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT NOT NULL UNIQUE,
  user_id     TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('draft', 'running', 'paused', 'completed', 'failed', 'cancelled')),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX processing_sessions_user ON processing_sessions(user_id, seq DESC);
