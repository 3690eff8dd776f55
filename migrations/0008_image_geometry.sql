-- Image dimensions as shown (EXIF orientation and HEIF rotation applied), not as stored. Rows written before this
-- hold the stored dimensions: they are marked 0 and the cron re-reads their headers (ImageService.maintain, a
-- bounded batch per run), then marks them 1. Rows inserted from now on are 1 by default.
ALTER TABLE images ADD COLUMN geometry_checked INTEGER NOT NULL DEFAULT 1;
UPDATE images SET geometry_checked = 0;
CREATE INDEX images_geometry_pending ON images (seq) WHERE geometry_checked = 0;
