// Owner of the R2 key layout. Everything stored for an image lives under one prefix per (owner, content):
//
//   users/<userId>/<sha256>                 the original, content-addressed (same bytes, same user: one object)
//   users/<userId>/<sha256>/<derived name>  files made from it (renditions, thumbnails)
//
// So deleting an image's files is one prefix, and the orphan sweep judges any key by its (owner, sha256) alone:
// derived files need no special case anywhere.

const ROOT = "users/";
const KEY = /^users\/([^/]+)\/([0-9a-f]{64})(?:\/.+)?$/;

export function originalKey(userId: string, sha256: string): string {
  return `${ROOT}${userId}/${sha256}`;
}

export function derivedKey(userId: string, sha256: string, name: string): string {
  return `${originalKey(userId, sha256)}/${name}`;
}

/** Every object of one user; with `sha256`, every object of one image (its original and derived files). */
export function objectsPrefix(userId?: string, sha256?: string): string {
  if (userId === undefined) return ROOT;
  return sha256 === undefined ? `${ROOT}${userId}/` : originalKey(userId, sha256);
}

/** The (owner, content) a key belongs to, or null for a key outside the layout. */
export function ownerOfKey(key: string): { userId: string; sha256: string } | null {
  const match = KEY.exec(key);
  return match ? { userId: match[1]!, sha256: match[2]! } : null;
}

/** Writes the original with an integrity check: R2 refuses the write if the bytes it received hash differently. */
export async function putOriginal(
  bucket: R2Bucket,
  userId: string,
  sha256: string,
  bytes: Uint8Array,
  contentType: string,
): Promise<string> {
  const key = originalKey(userId, sha256);
  await bucket.put(key, bytes, { sha256, httpMetadata: { contentType } });
  return key;
}

/** Deletes an image's original and every derived file. */
export async function deleteImageObjects(bucket: R2Bucket, userId: string, sha256: string): Promise<void> {
  const prefix = objectsPrefix(userId, sha256);
  await bucket.delete(prefix);
  await deleteAllUnder(bucket, `${prefix}/`);
}

/** Deletes every object of a user (deleting the account). */
export function deleteUserObjects(bucket: R2Bucket, userId: string): Promise<void> {
  return deleteAllUnder(bucket, objectsPrefix(userId));
}

async function deleteAllUnder(bucket: R2Bucket, prefix: string): Promise<void> {
  for (;;) {
    const page = await bucket.list({ prefix, limit: 1000 });
    if (page.objects.length === 0) return;
    await bucket.delete(page.objects.map((object) => object.key));
    if (!page.truncated) return;
  }
}

/** The names of an image's stored renditions (`r/…`) that start with `namePrefix`, up to `limit` of them, by name. */
export async function renditionNames(
  bucket: R2Bucket,
  userId: string,
  sha256: string,
  limit: number,
  namePrefix = "r/",
) {
  const root = derivedKey(userId, sha256, "r/");
  const page = await bucket.list({ prefix: derivedKey(userId, sha256, namePrefix), limit });
  return page.objects.map((object) => object.key.slice(root.length - 2));
}

/** Deletes the stored renditions of an image (`r/…`) whose names `stale` picks; how many. */
export async function deleteRenditions(
  bucket: R2Bucket,
  userId: string,
  sha256: string,
  stale: (name: string) => boolean,
): Promise<number> {
  const prefix = derivedKey(userId, sha256, "r/");
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, limit: 1000, ...(cursor ? { cursor } : {}) });
    const keys = page.objects.map((object) => object.key).filter((key) => stale(key.slice(prefix.length - 2)));
    if (keys.length > 0) await bucket.delete(keys);
    deleted += keys.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}
