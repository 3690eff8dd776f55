// The library object checks the session of a signed-in read itself, inside the same call (see LibraryEngine.run and
// requireAuthInLibrary), so a read of the library makes one round trip, not two: the session check in D1 and the
// read. The object asks D1 once per session and keeps the answer in memory; whatever ends a session in D1 (logout,
// ending a login, a password change, refresh-token reuse, deleting the account) then tells the library to forget
// what it knows (`forgetSessions`), so the next call asks D1 again. A verdict is kept at most VERDICT_MS, which bounds
// how long a session still reads the library if that message could not be delivered.

/** How long an answer from D1 stands without asking again (and never past the session's own end). */
export const VERDICT_MS = 60_000;
/** Sessions remembered at once; a user has a few. Past this the memory starts over (each asks D1 again). */
const MAX_VERDICTS = 64;

/** The session check in D1: when the session ends if it is active now, else null. */
export type ActiveSessionEnd = (sessionId: string, userId: string) => Promise<number | null>;

export class SessionVerdicts {
  /** Active sessions, each until when its verdict stands (epoch ms). */
  private readonly active = new Map<string, number>();
  /** Counts forget() calls: a D1 answer that arrives after one may be older than what ended the session. */
  private generation = 0;

  constructor(
    private readonly lookup: ActiveSessionEnd,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `sessionId` of `userId` is active: from memory, else from D1 (and remembered). */
  async isActive(sessionId: string, userId: string): Promise<boolean> {
    const until = this.active.get(sessionId);
    if (until !== undefined && until > this.now()) return true;
    this.active.delete(sessionId);
    const asked = this.generation;
    const end = await this.lookup(sessionId, userId);
    if (end === null) return false;
    if (this.generation === asked) {
      if (this.active.size >= MAX_VERDICTS) this.active.clear();
      this.active.set(sessionId, Math.min(end, this.now() + VERDICT_MS));
    }
    return true;
  }

  /** Some session of the user ended: every session is checked in D1 again. */
  forget(): void {
    this.generation++;
    this.active.clear();
  }
}
