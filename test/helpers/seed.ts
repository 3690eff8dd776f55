import { env } from "cloudflare:workers";
import { insertUser } from "../../src/auth/store/users";
import { openLibrary } from "../../src/images/library/library-client";
import { originalKey } from "../../src/images/store/image-objects";
import { createServices } from "../../src/services";

/**
 * Rows written with the library's own operations, for tests that need data without going through HTTP (and without
 * R2 objects). Every helper makes fresh ids: the tests of a file share its storage.
 */
export async function seedUser(): Promise<string> {
  const id = `usr_${crypto.randomUUID()}`;
  await insertUser(env.DB, { id, email: `${id}@example.com`, password_hash: "x", created_at: Date.now() });
  return id;
}

export type SeedTag = [label: string, score: number, opts?: { rejected?: boolean; source?: "ai" | "user" }];

/** An image with its tags and search document, added like an upload adds one. Returns id and seq. */
export async function seedImage(userId: string, tags: SeedTag[]): Promise<{ id: string; seq: number }> {
  const id = `img_${crypto.randomUUID()}`;
  const sha256 = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
  const ai = tags.filter(([, , o]) => o?.source !== "user").map(([label, score]) => ({ label, score }));
  const user = tags.filter(([, , o]) => o?.source === "user").map(([label]) => label);
  const rejected = tags.filter(([, , o]) => o?.rejected).map(([label]) => label);
  const library = openLibrary(createServices(env).platform, { userId });
  const begun = await library.beginUpload(sha256);
  if (!("ticket" in begun)) throw new Error("seedImage: the random content exists already");
  const added = await library.insert(
    {
      id,
      r2_key: originalKey(userId, sha256),
      filename: "f.jpg",
      content_type: "image/jpeg",
      bytes: 1,
      width: 1,
      height: 1,
      sha256,
      created_at: Date.now(),
    },
    { status: "tagged", tags: ai, model: "test-seed" },
    begun.ticket,
  );
  if (!("image" in added)) throw new Error("seedImage: insert asked for a retry");
  if (user.length > 0 || rejected.length > 0) await library.editTags(id, user, rejected);
  return { id, seq: added.image.seq };
}
