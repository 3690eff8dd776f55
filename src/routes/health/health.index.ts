import { createRouter } from "../http/create-router";
import { getHealthHandler } from "./health.handlers";
import { getHealth } from "./health.routes";

export const healthRouter = createRouter().openapi(getHealth, getHealthHandler);
