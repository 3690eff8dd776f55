/** Content-addressed under the owner: the same bytes from the same user are one object. */
export function objectKey(userId: string, sha256: string): string {
  return `users/${userId}/${sha256}`;
}

/** Writes the object with an integrity check: R2 refuses the write if the bytes it received hash differently. */
export async function putImageObject(
  bucket: R2Bucket,
  key: string,
  bytes: Uint8Array,
  sha256: string,
  contentType: string,
) {
  await bucket.put(key, bytes, { sha256, httpMetadata: { contentType } });
}

/**
 * Removes an object unless a row still references it. Used after a failed write (a concurrent upload of the same
 * bytes may own the object) and after deleting a row.
 */
export async function deleteObjectIfUnreferenced(
  db: D1Database,
  bucket: R2Bucket,
  userId: string,
  key: string,
): Promise<void> {
  const referenced = await db
    .prepare("SELECT 1 AS found FROM images WHERE user_id = ?1 AND r2_key = ?2")
    .bind(userId, key)
    .first();
  if (!referenced) await bucket.delete(key);
}
