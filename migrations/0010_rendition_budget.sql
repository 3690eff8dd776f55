-- Each user's budget of new renditions per hour (a fixed window), claimed atomically before a rendition is made
-- (src/images/store/rendition-budget.ts).
CREATE TABLE rendition_budget (
  user_id TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,
  made INTEGER NOT NULL
);
