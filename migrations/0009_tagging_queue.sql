-- Tagging through a durable queue: an upload whose tagging did not succeed at once stays `pending` and is retried
-- (src/images/tagging-queue.ts) until it is tagged; `failed` is left only for an explicit retag that failed.
-- Uploads stored as failed before this are pending again, so the next cron run queues them.
ALTER TABLE images ADD COLUMN tag_queued_at INTEGER;
UPDATE images SET tag_status = 'pending' WHERE tag_status = 'failed';
CREATE INDEX images_tag_pending ON images (tag_queued_at) WHERE tag_status = 'pending';
