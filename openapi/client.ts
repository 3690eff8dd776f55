/**
 * The typed ImagifyAI client for the web frontend (and the test suite, which is how it is proven).
 * Types come from `schema.d.ts`, generated from openapi.json; nothing here restates the contract.
 *
 *   const api = createImagifyClient({ baseUrl: "https://api.imagify.ai" });
 *   const { data, error } = await api.POST("/v1/auth/login", { body: { email, password } });
 *   api.tokens.set(data.tokens);          // later calls send the bearer token
 *   const me = await api.GET("/v1/me");   // a 401 refreshes the tokens once and retries
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, paths };
export type Schemas = components["schemas"];
export type Tokens = Schemas["Tokens"];
export type Problem = Schemas["Problem"];
export type ProcessingSession = Schemas["ProcessingSession"];

/** Where the client keeps the current token pair (memory by default; the app may persist it). */
export interface TokenStore {
  get(): Tokens | null;
  set(tokens: Tokens | null): void;
}

export function memoryTokenStore(initial: Tokens | null = null): TokenStore {
  let current = initial;
  return {
    get: () => current,
    set: (tokens) => {
      current = tokens;
    },
  };
}

/** Where the client keeps this device's known-device token (memory by default; persist it, e.g. localStorage). */
export interface DeviceTokenStore {
  get(): string | null;
  set(token: string): void;
}

export function memoryDeviceTokenStore(initial: string | null = null): DeviceTokenStore {
  let current = initial;
  return {
    get: () => current,
    set: (token) => {
      current = token;
    },
  };
}

export interface ImagifyClientOptions {
  baseUrl: string;
  tokens?: TokenStore;
  /**
   * The `deviceToken` of the last sign-in is kept here and sent with later logins, so failed attempts on the
   * account from elsewhere never lock this device out.
   */
  deviceTokens?: DeviceTokenStore;
  fetch?: (request: Request) => Promise<Response>;
  /** Called when a refresh fails: the session is over and the user must sign in again. */
  onSessionEnded?: () => void;
}

const AUTH_PATHS = ["/v1/auth/login", "/v1/auth/register", "/v1/auth/refresh"];
const SIGN_IN_PATHS = ["/v1/auth/login", "/v1/auth/register"];

export function createImagifyClient(options: ImagifyClientOptions) {
  const tokens = options.tokens ?? memoryTokenStore();
  const deviceTokens = options.deviceTokens ?? memoryDeviceTokenStore();
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  let refreshing: Promise<boolean> | null = null;

  /** One refresh at a time: concurrent 401s share it, because a refresh token works only once. */
  function refreshOnce(): Promise<boolean> {
    refreshing ??= (async () => {
      const refreshToken = tokens.get()?.refreshToken;
      if (!refreshToken) return false;
      const response = await send(
        new Request(new URL("/v1/auth/refresh", options.baseUrl), {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refreshToken }),
        }),
      );
      if (!response.ok) {
        tokens.set(null);
        options.onSessionEnded?.();
        return false;
      }
      tokens.set((await response.json()) as Tokens);
      return true;
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  function withBearer(request: Request): Request {
    const accessToken = tokens.get()?.accessToken;
    if (!accessToken || request.headers.has("Authorization")) return request;
    const headers = new Headers(request.headers);
    headers.set("Authorization", `Bearer ${accessToken}`);
    return new Request(request, { headers });
  }

  /** A login carries this device's token unless the caller set one. */
  async function withDeviceToken(request: Request): Promise<Request> {
    const deviceToken = deviceTokens.get();
    if (!deviceToken || new URL(request.url).pathname !== "/v1/auth/login") return request;
    const body = await request
      .clone()
      .json()
      .catch(() => null);
    if (!body || typeof body !== "object" || "deviceToken" in body) return request;
    return new Request(request, { body: JSON.stringify({ ...body, deviceToken }) });
  }

  /** A sign-in's answer carries the device token to keep. */
  async function keepDeviceToken(request: Request, response: Response): Promise<void> {
    if (!response.ok || !SIGN_IN_PATHS.includes(new URL(request.url).pathname)) return;
    const body = (await response
      .clone()
      .json()
      .catch(() => null)) as { deviceToken?: unknown } | null;
    if (typeof body?.deviceToken === "string") deviceTokens.set(body.deviceToken);
  }

  /**
   * A 401 for a token that has since been replaced (another call's refresh finished while this one was in flight)
   * retries with the new token; only a 401 for the current token spends the refresh token.
   */
  async function renewedAfter(sentToken: string | undefined): Promise<boolean> {
    const current = tokens.get()?.accessToken;
    if (current && current !== sentToken) return true;
    return refreshOnce();
  }

  async function authorisedFetch(original: Request): Promise<Response> {
    const request = await withDeviceToken(original);
    const isAuthCall = AUTH_PATHS.includes(new URL(request.url).pathname);
    const explicitAuth = request.headers.has("Authorization");
    const retry = isAuthCall || explicitAuth ? null : request.clone();
    const sentToken = tokens.get()?.accessToken;
    const response = await send(withBearer(request));
    await keepDeviceToken(request, response);
    if (response.status !== 401 || !retry || !(await renewedAfter(sentToken))) return response;
    return send(withBearer(retry));
  }

  /**
   * Follows a processing session live (GET …/events: Server-Sent Events, which a browser's EventSource cannot send a
   * bearer token with). Calls `onState` with every state, from any device's changes; after a dropped connection it
   * reconnects, and the stream starts again from the current state. Resolves with the finished session, or null
   * when `signal` aborts; rejects with a `WatchError` when the API refuses (404: deleted or not yours).
   */
  async function watchSession(
    id: string,
    onState: (session: ProcessingSession) => void,
    watch: { signal?: AbortSignal; reconnectDelayMs?: number } = {},
  ): Promise<ProcessingSession | null> {
    const url = new URL(`/v1/processing-sessions/${encodeURIComponent(id)}/events`, options.baseUrl);
    while (!watch.signal?.aborted) {
      try {
        const init: RequestInit = { headers: { Accept: "text/event-stream" } };
        if (watch.signal) init.signal = watch.signal;
        const response = await authorisedFetch(new Request(url, init));
        if (!response.ok) throw new WatchError(response.status, (await response.json().catch(() => null)) as Problem);
        for await (const session of readSessionEvents(response.body!)) {
          onState(session);
          if (FINISHED.includes(session.status)) return session;
        }
      } catch (error) {
        if (error instanceof WatchError) throw error;
        if (watch.signal?.aborted) break;
      }
      await new Promise((resolve) => setTimeout(resolve, watch.reconnectDelayMs ?? 1000));
    }
    return null;
  }

  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: authorisedFetch });
  return Object.assign(client, { tokens, deviceTokens, watchSession });
}

const FINISHED: ProcessingSession["status"][] = ["completed", "failed", "cancelled"];

/** The API refused to stream a session; `problem` says why. */
export class WatchError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problem?.detail ?? `The session events answered ${status}.`);
    this.name = "WatchError";
  }
}

/** The `session` events of a GET …/events body, parsed, until the stream ends (or the caller stops reading). */
export async function* readSessionEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ProcessingSession> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (/^event: session$/m.test(block) && data) yield JSON.parse(data) as ProcessingSession;
      }
    }
  } finally {
    await reader.cancel().catch(() => {}); // done early (finished, or the caller stopped): close the stream
  }
}

export type ImagifyClient = ReturnType<typeof createImagifyClient>;
