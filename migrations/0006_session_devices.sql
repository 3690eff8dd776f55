-- Users can see and end their logins (GET/DELETE /v1/me/sessions): which device a session was opened on (the
-- User-Agent at sign-in, shown as a short label) and when it was last used (sign-in, then every refresh).
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN last_used_at INTEGER;
UPDATE sessions SET last_used_at = created_at;
