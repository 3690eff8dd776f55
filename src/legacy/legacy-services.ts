import type { AuthDeps, ClientInfo } from "../auth/auth-deps";
import type { AuthContext } from "../auth/authenticate";
import { checkCredentials } from "../auth/login";
import { createAccount } from "../auth/register";
import { createUnrenewableSession } from "../auth/sessions";
import type { ImageDeps } from "../images/deps";
import { listImages } from "../images/library/list-images";
import { searchImages } from "../images/search/search-images";
import type { ImageRecord } from "../images/store/image-rows";
import type { Tagger } from "../images/tagging/tagger";
import { storeImage } from "../images/upload/store-image";
import { ApiError } from "../lib/problem";
import { LEGACY_TOKEN_TTL_SECONDS, signLegacyToken } from "./legacy-token";

// The deprecated /api/* layer, on the same services as /v1: the same password policy, rate limits, bot check,
// byte sniffing, size and pixel caps, de-duplication, tagging, owner filtering and FTS search.

export function legacyRegister(
  deps: AuthDeps,
  input: { email: string; password: string; turnstileToken?: string | undefined; client: ClientInfo },
) {
  return createAccount(deps, input);
}

export async function legacyLogin(
  deps: AuthDeps,
  input: { email: string; password: string; turnstileToken?: string | undefined; client: ClientInfo },
): Promise<string> {
  const { user } = await checkCredentials(deps, input);
  const sessionId = await createUnrenewableSession(
    deps.db,
    user.id,
    { userAgent: input.client.userAgent },
    LEGACY_TOKEN_TTL_SECONDS * 1000,
  );
  return signLegacyToken(deps.config, { userId: user.id, sessionId });
}

/**
 * The old frontend sends the user id it decoded from its own token: identity comes from the token alone, so a
 * matching `userId` is ignored and a different one is refused before anything is stored.
 */
export async function legacyUpload(
  deps: ImageDeps,
  auth: AuthContext,
  input: { file: File; userId?: string | undefined; tagger: Tagger },
): Promise<ImageRecord> {
  if (input.userId !== undefined && input.userId !== auth.userId) {
    throw new ApiError("forbidden", "You can only upload to your own gallery.");
  }
  return (await storeImage(deps, { userId: auth.userId, file: input.file, tagger: input.tagger })).image;
}

export async function legacyImages(db: D1Database, auth: AuthContext, limit: number): Promise<ImageRecord[]> {
  return (await listImages(db, { userId: auth.userId, limit })).images;
}

export async function legacySearch(
  db: D1Database,
  auth: AuthContext,
  query: string,
  limit: number,
): Promise<ImageRecord[]> {
  const results = await searchImages(db, { userId: auth.userId, q: query, match: "all", limit: Math.min(limit, 100) });
  return results.items.map((item) => item.image);
}
