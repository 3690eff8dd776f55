import { ApiError } from "../lib/problem";
import type { AuthContext } from "./authenticate";
import { findUserById, type UserRow } from "./users";

export async function getCurrentUser(db: D1Database, auth: AuthContext): Promise<UserRow> {
  const user = await findUserById(db, auth.userId);
  if (!user) throw new ApiError("unauthorized", "The account no longer exists.");
  return user;
}
