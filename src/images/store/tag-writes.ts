import type { Tag } from "../tagging/tagger";
import { reindexImageStatements } from "./search-index";
import { insertAiTagsStatement } from "./tag-rows";

/** Statements that add an image's AI tags and bring its search document in step, for one atomic batch. */
export function aiTagWriteStatements(db: D1Database, imageId: string, userId: string, tags: Tag[], model: string) {
  return [insertAiTagsStatement(db, imageId, userId, tags, model), ...reindexImageStatements(db, imageId)];
}
