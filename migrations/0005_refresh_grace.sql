-- Concurrent refreshes (two tabs, a retried request) must not end the session: a spent refresh token presented
-- again within a short grace window gets the same successor. The successor is kept sealed with a key derived
-- from the spent token (src/auth/sealed-successor.ts), so only its holder can open it.
ALTER TABLE refresh_tokens ADD COLUMN successor_sealed TEXT;
