export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: number;
}

export function toUser(row: Pick<UserRow, "id" | "email" | "created_at">) {
  return { id: row.id, email: row.email, createdAt: new Date(row.created_at).toISOString() };
}

export async function findUserByEmail(db: D1Database, email: string): Promise<UserRow | null> {
  return db
    .prepare("SELECT id, email, password_hash, created_at FROM users WHERE email = ?1")
    .bind(email)
    .first<UserRow>();
}

export async function findUserById(db: D1Database, id: string): Promise<UserRow | null> {
  return db.prepare("SELECT id, email, password_hash, created_at FROM users WHERE id = ?1").bind(id).first<UserRow>();
}
