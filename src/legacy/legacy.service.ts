import type { AuthService, Credentials } from "../auth/auth.service";
import type { ImageService } from "../images/images.service";
import type { ImageRecord } from "../images/store/image-rows";
import { ApiError } from "../lib/problem";
import type { Platform, SignedInCaller } from "../platform";
import { LEGACY_TOKEN_TTL_SECONDS, signLegacyToken, verifyLegacyToken } from "./legacy-token";

/**
 * The deprecated /api/* layer, on the same services as /v1: the same password policy, rate limits, bot check,
 * byte sniffing, size and pixel caps, de-duplication, tagging, owner filtering and FTS search.
 */
export class LegacyService {
  constructor(
    private readonly platform: Platform,
    private readonly others: { auth: AuthService; images: ImageService },
  ) {}

  /** The account alone: the old frontend shows its login page after registering. */
  async register(input: Credentials): Promise<void> {
    await this.others.auth.createAccount(input);
  }

  /** A one-hour legacy token, backed by a session without a refresh token (the old frontend never refreshes). */
  async login(input: Credentials): Promise<string> {
    const { user } = await this.others.auth.checkCredentials(input);
    const sessionId = await this.others.auth.openUnrenewableSession(
      user,
      input.client,
      LEGACY_TOKEN_TTL_SECONDS * 1000,
    );
    return signLegacyToken(this.platform.config, { userId: user.id, sessionId });
  }

  /** The caller behind a legacy `Authorization: Bearer <token>`, while its session is active; else 401. */
  async authenticate(authorization: string | undefined): Promise<SignedInCaller> {
    const token = /^Bearer ([^\s]+)$/i.exec(authorization ?? "")?.[1];
    const caller = token ? await verifyLegacyToken(this.platform.config, token) : null;
    if (caller && (await this.others.auth.isActive(caller))) return caller;
    throw new ApiError("unauthorized", "Please log in again.");
  }

  /**
   * The old frontend sends the user id it decoded from its own token: identity comes from the token alone, so a
   * matching `userId` is ignored and a different one is refused before anything is stored.
   */
  async upload(caller: SignedInCaller, input: { file: File; userId?: string | undefined }): Promise<ImageRecord> {
    if (input.userId !== undefined && input.userId !== caller.userId) {
      throw new ApiError("forbidden", "You can only upload to your own gallery.");
    }
    return (await this.others.images.upload(caller, { file: input.file })).image;
  }

  /** The newest LEGACY_MAX_IMAGES images: the original API had no paging. */
  async images(caller: SignedInCaller): Promise<ImageRecord[]> {
    return (await this.others.images.list(caller, { limit: this.platform.config.LEGACY_MAX_IMAGES })).images;
  }

  async search(caller: SignedInCaller, query: string): Promise<ImageRecord[]> {
    const limit = Math.min(this.platform.config.LEGACY_MAX_IMAGES, 100);
    const results = await this.others.images.search(caller, { q: query, match: "all", limit });
    return results.items.map((item) => item.image);
  }
}
