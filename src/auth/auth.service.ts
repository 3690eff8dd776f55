import type { ImageService } from "../images/images.service";
import { newId, sha256Hex } from "../lib/encoding";
import { ApiError, invalidAccessToken, invalidField } from "../lib/problem";
import type { Caller, ClientInfo, Platform, SignedInCaller } from "../platform";
import type { ProcessingService } from "../processing/processing.service";
import { issueTokens, type TokenPair, verifyAccessToken } from "./access-token";
import { accountRules, ipRule, passwordCheckRule } from "./attempt-limits";
import { issueDeviceToken, verifyDeviceToken } from "./device-token";
import { hashPassword, UNKNOWN_USER_HASH, verifyPassword } from "./password";
import { passwordProblem } from "./password-policy";
import { deleteExpiredRateLimits, deleteRateLimitsNamingStatement, hit, refund } from "./store/rate-limits";
import {
  activeSessionEnd,
  createSession,
  createUnrenewableSession,
  deleteExpiredRefreshTokens,
  deleteUserSessionsStatements,
  listActiveSessions,
  revokeOtherSessionsStatement,
  revokeSession,
  revokeUserSession,
  rotateRefreshToken,
  type SessionRow,
} from "./store/sessions";
import {
  deleteUserStatement,
  findUserByEmail,
  findUserById,
  insertUser,
  type UserRow,
  updatePasswordHash,
  updatePasswordHashStatement,
} from "./store/users";
import { verifyTurnstile } from "./turnstile";

export interface Credentials {
  email: string;
  password: string;
  turnstileToken?: string | undefined;
  client: ClientInfo;
}

export interface LoginAttempt extends Credentials {
  /** From an earlier sign-in on this device (see device-token.ts). */
  deviceToken?: string | undefined;
}

export interface SignedIn {
  user: UserRow;
  sessionId: string;
  tokens: TokenPair;
  /** Marks this device as one that proved the password (see device-token.ts). */
  deviceToken: string;
}

/** A login of the user that still works, marked whether it is the one asking. */
export interface LoginSession extends SessionRow {
  current: boolean;
}

const REFRESH_REFUSALS = {
  invalid: "The refresh token is not valid.",
  expired: "The session has expired; sign in again.",
  revoked: "The session was revoked; sign in again.",
  reused: "This refresh token was already used. The session has been revoked as a precaution; sign in again.",
} as const;

/**
 * Identity: accounts, sign-in sessions and their tokens, passwords, and the limits and bot check in front of them.
 * Owns the `users`, `sessions`, `refresh_tokens` and `rate_limits` tables. Deleting an account asks the image and
 * processing services to delete what the user has there.
 */
export class AuthService {
  constructor(
    private readonly platform: Platform,
    private readonly others: { images: ImageService; processing: ProcessingService },
  ) {}

  /** What a sign-in form needs: whether Turnstile is on, and its site key. */
  turnstileSettings(): { enabled: boolean; siteKey: string | null } {
    const { config } = this.platform;
    const enabled = config.TURNSTILE === "on";
    return { enabled, siteKey: enabled ? (config.TURNSTILE_SITE_KEY ?? null) : null };
  }

  /** Creates an account (email unique case-insensitively, NIST-style password policy) and signs it in. */
  async register(input: Credentials): Promise<SignedIn> {
    const user = await this.createAccount(input);
    return this.signIn(user, input.client, null);
  }

  /** The account alone, signed in nowhere (the legacy layer's register: its frontend logs in afterwards). */
  async createAccount(input: Credentials): Promise<UserRow> {
    const { db, config, siteverify } = this.platform;
    await hit(db, ipRule(config, input.client.ip));
    await verifyTurnstile(config, { token: input.turnstileToken, action: "register", ip: input.client.ip }, siteverify);
    const refusal = passwordProblem(input.password);
    if (refusal) throw invalidField("body.password", refusal);

    const user: UserRow = {
      id: newId("usr"),
      email: input.email,
      password_hash: await hashPassword(input.password, config.PASSWORD_PEPPER),
      created_at: Date.now(),
    };
    if (!(await insertUser(db, user))) throw new ApiError("conflict", "An account with this email already exists.");
    return user;
  }

  /**
   * Exchanges email and password for a new session. A known-device token sent along (from an earlier sign-in)
   * exempts this device from the account-wide failure limit.
   */
  async login(input: LoginAttempt): Promise<SignedIn> {
    const { user, knownDevice } = await this.checkCredentials(input);
    return this.signIn(user, input.client, knownDevice ? input.deviceToken! : null);
  }

  /**
   * The account behind email and password, after the bot check and the rate limits; 401 otherwise. Unknown emails
   * are verified against a dummy hash: same work, same answer, no account enumeration. A hash made with older
   * parameters is replaced now that the password is known.
   */
  async checkCredentials(input: LoginAttempt): Promise<{ user: UserRow; knownDevice: boolean }> {
    const { db, config, siteverify } = this.platform;
    await hit(db, ipRule(config, input.client.ip));
    await verifyTurnstile(config, { token: input.turnstileToken, action: "login", ip: input.client.ip }, siteverify);
    const user = await findUserByEmail(db, input.email);
    const device = await verifyDeviceToken(config, input.deviceToken);
    const knownDevice = device !== null && user !== null && device.userId === user.id;
    // Every attempt counts as a failure until the password proves right (then it is refunded), so the limits
    // hold even for guesses sent in parallel.
    const limits = await accountRules(config, {
      clientIp: input.client.ip,
      email: input.email,
      device: knownDevice ? device : null,
      verifiedHuman: config.TURNSTILE === "on",
    });
    for (const rule of limits) await hit(db, rule);

    const result = await verifyPassword(
      input.password,
      user?.password_hash ?? UNKNOWN_USER_HASH,
      config.PASSWORD_PEPPER,
    );
    if (!user || !result.valid) throw new ApiError("unauthorized", "Invalid email or password.");
    for (const rule of limits) await refund(db, rule);
    if (result.needsRehash) {
      await updatePasswordHash(db, user.id, await hashPassword(input.password, config.PASSWORD_PEPPER));
    }
    return { user, knownDevice };
  }

  /**
   * A session with no refresh token that ends with the one access token it backs (the legacy layer's, whose
   * frontend never refreshes).
   */
  openUnrenewableSession(user: UserRow, client: ClientInfo, lifetimeMs: number): Promise<string> {
    return createUnrenewableSession(this.platform.db, user.id, { userAgent: client.userAgent }, lifetimeMs);
  }

  /** Spends a refresh token for a new pair; presenting a spent one revokes the whole session. */
  async refresh(input: { refreshToken: string; client: ClientInfo }): Promise<TokenPair> {
    const { db, config } = this.platform;
    await hit(db, ipRule(config, input.client.ip));
    const rotation = await rotateRefreshToken(db, input.refreshToken);
    if (!rotation.ok) {
      if (rotation.reason === "reused") await this.sessionsEnded(rotation.userId);
      throw new ApiError("unauthorized", REFRESH_REFUSALS[rotation.reason]);
    }
    return issueTokens(config, rotation.userId, rotation.session);
  }

  /**
   * The caller behind an `Authorization: Bearer <access token>` header, when the token verifies and its session is
   * still active (logout and refresh-token reuse revoke it). Identity comes from here and nowhere else.
   */
  async authenticate(authorization: string | undefined): Promise<SignedInCaller> {
    const { caller, active } = await this.verify(authorization);
    await active;
    return caller;
  }

  /**
   * `authenticate` in two steps, for a caller that runs the session check alongside its own work: the caller once the
   * token's signature and expiry verify (else 401 at once), and `active`, the session check in D1, which rejects
   * with the same 401 when the session ended. Nothing may leave on behalf of `caller` before `active` resolved.
   */
  async verify(authorization: string | undefined): Promise<{ caller: SignedInCaller; active: Promise<void> }> {
    const caller = await this.verifyToken(authorization);
    const active = this.isActive(caller).then((ok) => {
      if (!ok) throw invalidAccessToken();
    });
    active.catch(() => {}); // awaited by the caller; this only keeps an early rejection from being "unhandled"
    return { caller, active };
  }

  /**
   * `authenticate` for a read that the caller's library answers: the library checks the session inside the call it
   * answers (see session-verdicts.ts), so only the token is verified here. `settle` checks the session in D1 when
   * no library call did (an answer decided before reaching the library); it must be awaited before answering.
   */
  async verifyForLibrary(
    authorization: string | undefined,
  ): Promise<{ caller: SignedInCaller; settle: () => Promise<void> }> {
    const caller: SignedInCaller = {
      ...(await this.verifyToken(authorization)),
      sessionCheck: { checked: false },
    };
    const settle = async () => {
      if (!caller.sessionCheck?.checked && !(await this.isActive(caller))) throw invalidAccessToken();
    };
    return { caller, settle };
  }

  /** Whether the caller's session still works (not ended, revoked or expired). */
  async isActive(caller: SignedInCaller): Promise<boolean> {
    return (await this.activeSessionEnd(caller.sessionId, caller.userId)) !== null;
  }

  /** When the session ends, if it is active now (else null): the check a library keeps the answer of. */
  activeSessionEnd(sessionId: string, userId: string): Promise<number | null> {
    return activeSessionEnd(this.platform.db, sessionId, userId);
  }

  /** Ends the caller's session: its access and refresh tokens stop working at once. */
  async logout(caller: SignedInCaller): Promise<void> {
    await revokeSession(this.platform.db, caller.sessionId, "logout");
    await this.sessionsEnded(caller.userId);
  }

  async currentUser(caller: Caller): Promise<UserRow> {
    const user = await findUserById(this.platform.db, caller.userId);
    if (!user) throw new ApiError("unauthorized", "The account no longer exists.");
    return user;
  }

  /**
   * Replaces the password after checking the current one, and ends every other session of the user (a thief who
   * knew the old password is signed out everywhere); the caller's own session goes on. The hash and the revocation
   * are one batch.
   */
  async changePassword(caller: SignedInCaller, input: { currentPassword: string; newPassword: string }): Promise<void> {
    const { db, config } = this.platform;
    const user = await this.checkPassword(caller, input.currentPassword, "The current password is not right.");
    const refusal = passwordProblem(input.newPassword);
    if (refusal) throw invalidField("body.newPassword", refusal);
    await db.batch([
      updatePasswordHashStatement(db, user.id, await hashPassword(input.newPassword, config.PASSWORD_PEPPER)),
      revokeOtherSessionsStatement(db, user.id, caller.sessionId),
    ]);
    await this.sessionsEnded(user.id);
  }

  /** The logins of the caller that still work, most recently used first. */
  async listLoginSessions(caller: SignedInCaller): Promise<LoginSession[]> {
    const rows = await listActiveSessions(this.platform.db, caller.userId);
    return rows.map((row) => ({ ...row, current: row.id === caller.sessionId }));
  }

  /** Ends one of the caller's logins (their own current one too: that is signing out). */
  async endLoginSession(caller: Caller, sessionId: string): Promise<void> {
    if (!(await revokeUserSession(this.platform.db, caller.userId, sessionId))) {
      throw new ApiError("not_found", "No active session with this id.");
    }
    await this.sessionsEnded(caller.userId);
  }

  /**
   * Deletes the account and everything of it, after checking the password: its processing sessions and its images
   * (through their services), then in one batch its sessions, refresh tokens, the rate-limit counters naming it and
   * the user. A failure part-way leaves the account in place, so deleting it again finishes the job.
   */
  async deleteAccount(caller: Caller, input: { password: string }): Promise<void> {
    const { db } = this.platform;
    const user = await this.checkPassword(caller, input.password, "The password is not right.");
    await this.others.processing.deleteAllOf(caller);
    await this.others.images.deleteAllOf(caller);
    await db.batch([
      ...deleteUserSessionsStatements(db, user.id),
      deleteRateLimitsNamingStatement(db, await sha256Hex(user.email)),
      deleteRateLimitsNamingStatement(db, user.id),
      deleteUserStatement(db, user.id),
    ]);
  }

  /** The cron's share: rate-limit windows that ended, refresh tokens past their use. */
  async deleteExpired(now = Date.now()): Promise<void> {
    const { db, config } = this.platform;
    await deleteExpiredRateLimits(db, now - config.RATE_LIMIT_WINDOW_SECONDS * 1000);
    await deleteExpiredRefreshTokens(db, now);
  }

  /** The token's signature and expiry, without the session check: the caller it names, or 401. */
  private async verifyToken(authorization: string | undefined): Promise<SignedInCaller> {
    const match = /^Bearer ([^\s]+)$/i.exec(authorization ?? "");
    if (!match?.[1]) {
      throw new ApiError("unauthorized", "Send an access token as `Authorization: Bearer <token>`.", {
        headers: { "WWW-Authenticate": 'Bearer realm="imagifyai"' },
      });
    }
    const caller = await verifyAccessToken(this.platform.config, match[1]);
    if (!caller) throw invalidAccessToken();
    return caller;
  }

  /**
   * A session of the user ended in D1: the user's library, which keeps what D1 said of sessions, is told. Should
   * that fail, the session has ended all the same; the library's answer lapses within VERDICT_MS.
   */
  private async sessionsEnded(userId: string): Promise<void> {
    try {
      await this.others.images.sessionsEnded({ userId });
    } catch (error) {
      console.error("the library could not be told that a session ended", { userId, error: String(error) });
    }
  }

  /**
   * Re-entering the password is a guess like a login: counted per user (see attempt-limits.ts), refunded when right.
   */
  private async checkPassword(caller: Caller, password: string, wrong: string): Promise<UserRow> {
    const { db, config } = this.platform;
    const rule = passwordCheckRule(config, caller.userId);
    await hit(db, rule);
    const user = await this.currentUser(caller);
    if (!(await verifyPassword(password, user.password_hash, config.PASSWORD_PEPPER)).valid) {
      throw new ApiError("forbidden", wrong);
    }
    await refund(db, rule);
    return user;
  }

  private async signIn(user: UserRow, client: ClientInfo, knownDeviceToken: string | null): Promise<SignedIn> {
    const { db, config } = this.platform;
    const session = await createSession(db, user.id, { userAgent: client.userAgent });
    return {
      user,
      sessionId: session.sessionId,
      tokens: await issueTokens(config, user.id, session),
      deviceToken: knownDeviceToken ?? (await issueDeviceToken(config, user.id)),
    };
  }
}
