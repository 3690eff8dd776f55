// Rows in D1's old image tables (migrations/0002–0011), where every library lived before it moved into its own
// Durable Object (src/images/store/d1-images.ts): what a library still in D1, or a Worker of the previous version,
// leaves there for the move.
import { env } from "cloudflare:workers";
import { originalKey } from "../../src/images/store/image-objects";

/** An image as D1 held it before the move, with its tags (as migrations 0002–0011 wrote them) and its R2 object. */
export async function d1Image(
  userId: string,
  bytes: Uint8Array,
  tags: [label: string, score: number, rejected?: 1][],
): Promise<{ id: string; seq: number }> {
  const sha256 = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  const key = originalKey(userId, sha256);
  await env.BUCKET.put(key, bytes);
  const id = `img_${crypto.randomUUID()}`;
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO images (id, user_id, r2_key, filename, content_type, bytes, width, height, sha256, tag_status,
         tag_error, created_at, geometry_checked)
       VALUES (?1, ?2, ?3, 'old.jpg', 'image/jpeg', ?4, 300, 451, ?5, 'tagged', NULL, ?6, 0)`,
    ).bind(id, userId, key, bytes.length, sha256, Date.now()),
    ...tags.map(([label, score, rejected]) =>
      env.DB.prepare(
        `INSERT INTO image_tags (image_id, user_id, label, score, source, model, rejected)
         VALUES (?1, ?2, ?3, ?4, 'ai', 'resnet', ?5)`,
      ).bind(id, userId, label, score, rejected ?? 0),
    ),
  ]);
  const { seq } = (await env.DB.prepare("SELECT seq FROM images WHERE id = ?1").bind(id).first<{ seq: number }>())!;
  return { id, seq };
}

/**
 * A row (tagged pizza) written straight into D1: at `seq`, or D1's next one when null. Its R2 object only `withFile`
 * (a move on first open does not look; a later move, of rows a previous version wrote, does).
 */
export async function d1Reinsert(
  userId: string,
  id: string,
  seq: number | null,
  sha256 = "a".repeat(64),
  withFile = false,
) {
  const key = originalKey(userId, sha256);
  if (withFile) await env.BUCKET.put(key, new Uint8Array([1]));
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO images (seq, id, user_id, r2_key, filename, content_type, bytes, width, height, sha256, tag_status,
         created_at) VALUES (?1, ?2, ?3, ?5, 'f.jpg', 'image/jpeg', 1, 1, 1, ?4, 'tagged', 0)`,
    ).bind(seq, id, userId, sha256, key),
    env.DB.prepare(
      "INSERT INTO image_tags (image_id, user_id, label, score, source, model) VALUES (?1, ?2, 'pizza', 0.9, 'ai', 'resnet')",
    ).bind(id, userId),
  ]);
}

/** How many images of the user D1 holds. */
export async function d1Rows(userId: string): Promise<number> {
  return (await env.DB.prepare("SELECT count(*) AS n FROM images WHERE user_id = ?1")
    .bind(userId)
    .first<{ n: number }>())!.n;
}
