/** Owner of the `users` table. */
export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: number;
}

const USER_COLUMNS = "id, email, password_hash, created_at";

/** Inserts the user unless the email is taken (case-insensitively); true when inserted. */
export async function insertUser(db: D1Database, user: UserRow): Promise<boolean> {
  const inserted = await db
    .prepare(`INSERT INTO users (${USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (email) DO NOTHING RETURNING id`)
    .bind(user.id, user.email, user.password_hash, user.created_at)
    .first();
  return inserted !== null;
}

export function findUserByEmail(db: D1Database, email: string): Promise<UserRow | null> {
  return db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE email = ?1`).bind(email).first<UserRow>();
}

export function findUserById(db: D1Database, id: string): Promise<UserRow | null> {
  return db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?1`).bind(id).first<UserRow>();
}

export async function updatePasswordHash(db: D1Database, userId: string, passwordHash: string): Promise<void> {
  await updatePasswordHashStatement(db, userId, passwordHash).run();
}

export function updatePasswordHashStatement(db: D1Database, userId: string, passwordHash: string) {
  return db.prepare("UPDATE users SET password_hash = ?2 WHERE id = ?1").bind(userId, passwordHash);
}

export function deleteUserStatement(db: D1Database, userId: string) {
  return db.prepare("DELETE FROM users WHERE id = ?1").bind(userId);
}
