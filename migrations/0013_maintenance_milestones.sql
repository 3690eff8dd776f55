-- Milestones of the maintenance job (the cron, src/maintenance.ts): a name and when it was reached. A Worker keeps
-- nothing between cron runs, and some of its steps are safe only a while after a condition first held.
--
-- The first: dropping D1's old image tables (images, image_tags, image_search, image_search_owner: 0002–0011), whose
-- rows moved into each user's library (0012). No migration can drop them: migrations are applied before the Worker
-- that moves the rows is deployed, so rows not yet moved would be lost. The cron records when it first finds them empty
-- ('d1_image_tables_empty'), forgets it when rows appear again, and drops them once they have stayed empty for an hour
-- (Workers of the previous version may still write during a gradual deployment); 'd1_image_tables_dropped' then tells
-- later runs that there is nothing left to look at. src/images/store/d1-images.ts owns these rows.
CREATE TABLE maintenance_milestones (
  name TEXT PRIMARY KEY,
  at   INTEGER NOT NULL                     -- unix ms
);
