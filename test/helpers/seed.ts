import { env } from "cloudflare:workers";
import { insertUser } from "../../src/auth/store/users";
import { originalKey } from "../../src/images/store/image-objects";
import { insertImageStatement } from "../../src/images/store/image-rows";
import { reindexImageStatements } from "../../src/images/store/search-index";
import { addUserTagsStatement, insertAiTagsStatement, rejectTagsStatement } from "../../src/images/store/tag-rows";

/**
 * Rows written with the product's own insert statements, for tests that need data without going through HTTP
 * (and without R2 objects). Every helper makes fresh ids: storage is shared between test files.
 */
export async function seedUser(): Promise<string> {
  const id = `usr_${crypto.randomUUID()}`;
  await insertUser(env.DB, { id, email: `${id}@example.com`, password_hash: "x", created_at: Date.now() });
  return id;
}

export type SeedTag = [label: string, score: number, opts?: { rejected?: boolean; source?: "ai" | "user" }];

/** An image row with its tags and search document, in one batch like an upload. Returns id and seq. */
export async function seedImage(userId: string, tags: SeedTag[]): Promise<{ id: string; seq: number }> {
  const id = `img_${crypto.randomUUID()}`;
  const sha256 = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
  const ai = tags.filter(([, , o]) => o?.source !== "user").map(([label, score]) => ({ label, score }));
  const user = tags.filter(([, , o]) => o?.source === "user").map(([label]) => label);
  const rejected = tags.filter(([, , o]) => o?.rejected).map(([label]) => label);
  const [inserted] = await env.DB.batch<{ seq: number }>([
    insertImageStatement(env.DB, {
      id,
      user_id: userId,
      r2_key: originalKey(userId, sha256),
      filename: "f.jpg",
      content_type: "image/jpeg",
      bytes: 1,
      width: 1,
      height: 1,
      sha256,
      tag_status: "tagged",
      tag_error: null,
      created_at: Date.now(),
    }),
    insertAiTagsStatement(env.DB, id, userId, ai, "test-seed"),
    addUserTagsStatement(env.DB, id, userId, user),
    rejectTagsStatement(env.DB, id, userId, rejected),
    ...reindexImageStatements(env.DB, id),
  ]);
  return { id, seq: inserted!.results[0]!.seq };
}
