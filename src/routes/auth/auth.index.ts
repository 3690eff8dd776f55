import { createRouter } from "../http/create-router";
import { getAuthConfigHandler, loginHandler, logoutHandler, refreshHandler, registerHandler } from "./auth.handlers";
import { getAuthConfig, login, logout, refresh, register } from "./auth.routes";

export const authRouter = createRouter()
  .openapi(getAuthConfig, getAuthConfigHandler)
  .openapi(register, registerHandler)
  .openapi(login, loginHandler)
  .openapi(refresh, refreshHandler)
  .openapi(logout, logoutHandler);
