import { createRouter } from "../../lib/create-router";
import { listTagsHandler } from "./tags.handlers";
import { listTags } from "./tags.routes";

export const tagsRouter = createRouter().openapi(listTags, listTagsHandler);
