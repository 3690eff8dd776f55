import { createRouter } from "../http/create-router";
import {
  changePasswordHandler,
  deleteAccountHandler,
  endSessionHandler,
  getMeHandler,
  listSessionsHandler,
} from "./me.handlers";
import { changePassword, deleteAccount, endSession, getMe, listSessions } from "./me.routes";

export const meRouter = createRouter()
  .openapi(getMe, getMeHandler)
  .openapi(deleteAccount, deleteAccountHandler)
  .openapi(changePassword, changePasswordHandler)
  .openapi(listSessions, listSessionsHandler)
  .openapi(endSession, endSessionHandler);
