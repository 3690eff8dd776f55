import type { TaggingJob } from "./images/tagging-queue";
import type { Config } from "./lib/config";

/**
 * What every service is built from: the bindings it may use and the validated configuration. The composition root
 * (services.ts) makes one per Worker environment; each service takes it whole, so there is one way to wire.
 */
export interface Platform {
  config: Config;
  db: D1Database;
  bucket: R2Bucket;
  /** Cloudflare Images, or the local image engine when IMAGE_ENGINE is `local`. */
  images: ImagesBinding;
  processingSessions: Env["PROCESSING_SESSIONS"];
  /** One image library per user (images/library/library-engine.ts), reached through its library-client.ts. */
  libraries: Env["LIBRARY"];
  /** The durable queue of uploads still to tag (see images/tagging-queue.ts). */
  taggingQueue: Queue<TaggingJob>;
  /** Workers AI; absent locally, where TAGGER is `local` (see images/taggers.ts). */
  ai: Pick<Ai, "run"> | undefined;
  /** How Turnstile's siteverify is reached: the Internet, or the test environment's stand-in binding. */
  siteverify: Network;
}

/** A way out to the network: `globalThis` in production, or a service binding standing in for a remote service. */
export interface Network {
  fetch(input: string, init: RequestInit): Promise<Response>;
}

/** Who is asking, as a verified credential says (an access token, or the signature of a file link). */
export interface Caller {
  userId: string;
}

/** A caller signed in with an access token: the session it belongs to, which logout and the session list need. */
export interface SignedInCaller extends Caller {
  sessionId: string;
  /**
   * Present when the caller's library checks the session, in every call made for this caller (a read of the library,
   * see requireAuthInLibrary); `checked` turns true once a call did, so nothing is left to check in D1.
   */
  sessionCheck?: { checked: boolean };
}

/** Where a sign-in attempt comes from: the key of the per-IP limits, and the label of the session it opens. */
export interface ClientInfo {
  /** As Cloudflare's edge reports it (`cf-connecting-ip`). */
  ip: string;
  /** Labels the session a sign-in opens (GET /v1/me/sessions). */
  userAgent?: string | undefined;
}
