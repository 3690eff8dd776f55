-- Users, sessions and rotating refresh tokens.
CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL COLLATE NOCASE UNIQUE,
  password_hash TEXT NOT NULL,              -- self-describing: pbkdf2-sha256$<iterations>$<salt>$<hash>
  created_at    INTEGER NOT NULL            -- unix ms
);

CREATE TABLE sessions (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,           -- absolute lifetime; refresh never extends it
  revoked_at    INTEGER,
  revoke_reason TEXT                        -- 'logout' | 'refresh_token_reuse'
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Every refresh token ever issued, stored only as a SHA-256 hash. A token is used once: refreshing marks it
-- used and issues its successor; presenting a used token again is reuse and revokes the whole session.
CREATE TABLE refresh_tokens (
  token_hash  TEXT PRIMARY KEY,
  session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,
  replaced_by TEXT                          -- hash of the successor; set in the same statement that marks it used
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

-- Fixed-window attempt counters for rate limits (login per IP, per account and IP, per account).
CREATE TABLE rate_limits (
  key          TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,
  count        INTEGER NOT NULL
);
