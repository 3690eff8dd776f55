import { createRouter } from "../http/create-router";
import { listTagsHandler } from "./tags.handlers";
import { listTags } from "./tags.routes";

export const tagsRouter = createRouter().openapi(listTags, listTagsHandler);
