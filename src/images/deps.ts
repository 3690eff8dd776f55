import type { Config } from "../lib/config";

/** What the image services need from the outside: the metadata database, the file bucket and configuration. */
export interface ImageDeps {
  db: D1Database;
  bucket: R2Bucket;
  config: Config;
}
