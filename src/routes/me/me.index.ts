import { createRouter } from "../http/create-router";
import { getMeHandler } from "./me.handlers";
import { getMe } from "./me.routes";

export const meRouter = createRouter().openapi(getMe, getMeHandler);
