-- An image's version, bumped when the same bytes are uploaded again (the upload answers with the existing image):
-- a delete removes the image only at the version it read, so a delete and a re-upload racing each other cannot
-- answer the upload with an image that is then deleted (the delete gets 409 instead).
ALTER TABLE images ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
