import { createRouter } from "../http/create-router";
import { getProblemTypeHandler } from "./problems.handlers";
import { getProblemType } from "./problems.routes";

export const problemsRouter = createRouter().openapi(getProblemType, getProblemTypeHandler);
