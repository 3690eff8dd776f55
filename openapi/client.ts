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

export interface ImagifyClientOptions {
  baseUrl: string;
  tokens?: TokenStore;
  fetch?: (request: Request) => Promise<Response>;
  /** Called when a refresh fails: the session is over and the user must sign in again. */
  onSessionEnded?: () => void;
}

const AUTH_PATHS = ["/v1/auth/login", "/v1/auth/register", "/v1/auth/refresh"];

export function createImagifyClient(options: ImagifyClientOptions) {
  const tokens = options.tokens ?? memoryTokenStore();
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

  async function authorisedFetch(request: Request): Promise<Response> {
    const isAuthCall = AUTH_PATHS.includes(new URL(request.url).pathname);
    const explicitAuth = request.headers.has("Authorization");
    const retry = isAuthCall || explicitAuth ? null : request.clone();
    const response = await send(withBearer(request));
    if (response.status !== 401 || !retry || !(await refreshOnce())) return response;
    return send(withBearer(retry));
  }

  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: authorisedFetch });
  return Object.assign(client, { tokens });
}

export type ImagifyClient = ReturnType<typeof createImagifyClient>;
