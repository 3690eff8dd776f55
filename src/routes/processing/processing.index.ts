import { createRouter } from "../http/create-router";
import * as handlers from "./processing.handlers";
import * as routes from "./processing.routes";

export const processingRouter = createRouter()
  .openapi(routes.createSession, handlers.createSessionHandler)
  .openapi(routes.listSessions, handlers.listSessionsHandler)
  .openapi(routes.getSession, handlers.getSessionHandler)
  .openapi(routes.updateSession, handlers.updateSessionHandler)
  .openapi(routes.startSession, handlers.startSessionHandler)
  .openapi(routes.pauseSession, handlers.pauseSessionHandler)
  .openapi(routes.resumeSession, handlers.resumeSessionHandler)
  .openapi(routes.cancelSession, handlers.cancelSessionHandler)
  .openapi(routes.deleteSession, handlers.deleteSessionHandler)
  .openapi(routes.sessionEvents, handlers.sessionEventsHandler)
  .openapi(routes.sessionArchive, handlers.sessionArchiveHandler);
