import type { RouteHandler } from "@hono/zod-openapi";
import { changePassword } from "../../account/change-password";
import { deleteAccount } from "../../account/delete-account";
import { endSession, listSessions } from "../../account/sessions";
import { getCurrentUser } from "../../auth/current-user";
import { presentUser } from "../auth/auth.presenters";
import type { AppEnv } from "../http/app-env";
import { clientInfo } from "../http/client-info";
import { authDeps, imageDeps } from "../http/service-deps";
import { deviceLabel } from "./device-label";
import type {
  changePassword as changePasswordRoute,
  deleteAccount as deleteAccountRoute,
  endSession as endSessionRoute,
  getMe,
  listSessions as listSessionsRoute,
} from "./me.routes";

export const getMeHandler: RouteHandler<typeof getMe, AppEnv> = async (c) => {
  return c.json(presentUser(await getCurrentUser(c.env.DB, c.var.auth)), 200);
};

export const changePasswordHandler: RouteHandler<typeof changePasswordRoute, AppEnv> = async (c) => {
  await changePassword(authDeps(c), c.var.auth, {
    ...c.req.valid("json"),
    client: clientInfo(c),
  });
  return c.body(null, 204);
};

export const listSessionsHandler: RouteHandler<typeof listSessionsRoute, AppEnv> = async (c) => {
  const sessions = await listSessions(c.env.DB, c.var.auth);
  const items = sessions.map((session) => ({
    id: session.id,
    device: deviceLabel(session.user_agent),
    createdAt: new Date(session.created_at).toISOString(),
    lastUsedAt: new Date(session.last_used_at).toISOString(),
    current: session.current,
  }));
  return c.json({ items }, 200);
};

export const endSessionHandler: RouteHandler<typeof endSessionRoute, AppEnv> = async (c) => {
  await endSession(c.env.DB, c.var.auth, c.req.valid("param").id);
  return c.body(null, 204);
};

export const deleteAccountHandler: RouteHandler<typeof deleteAccountRoute, AppEnv> = async (c) => {
  await deleteAccount({ ...imageDeps(c), sessions: c.env.PROCESSING_SESSIONS }, c.var.auth, c.req.valid("json"));
  return c.body(null, 204);
};
