-- Each user's images, tags and search index now live in the user's own Durable Object (src/images/store/
-- library-engine.ts), and so does the rendition budget, whose D1 table goes now (a window's count is all it held).
-- images, image_tags and image_search empty as libraries move (each on first use, the rest by the cron: see
-- ImageService.moveLibrariesFromD1). No migration drops them (one applied before the move would lose its rows): the
-- cron does, once they have stayed empty for an hour (migrations/0013, src/images/store/d1-images.ts).
DROP TABLE rendition_budget;
