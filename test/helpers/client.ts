import { exports } from "cloudflare:workers";
import { createImagifyClient, type ImagifyClient, memoryTokenStore } from "../../openapi/client";

export const BASE_URL = "http://api.imagify.test";

/** A random client IP, so rate-limit counters never leak between tests. */
export function randomIp(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return `10.${bytes[0]}.${bytes[1]}.${bytes[2]}`;
}

/** Calls the Worker in-process, as one client (one IP). */
export function workerFetch(ip = randomIp()) {
  return (request: Request) => {
    const headers = new Headers(request.headers);
    headers.set("cf-connecting-ip", ip);
    return exports.default.fetch(new Request(request, { headers }));
  };
}

/** A raw request to the Worker (for cases the typed client deliberately cannot express). */
export function call(path: string, init: RequestInit = {}, ip = randomIp()): Promise<Response> {
  return workerFetch(ip)(new Request(new URL(path, BASE_URL), init));
}

export function newClient(ip = randomIp()): ImagifyClient {
  return createImagifyClient({ baseUrl: BASE_URL, fetch: workerFetch(ip), tokens: memoryTokenStore() });
}

export const STRONG_PASSWORD = "correct horse battery staple";

export function uniqueEmail(): string {
  return `user-${crypto.randomUUID()}@example.com`;
}

/** Registers a fresh user and returns a client holding their tokens. */
export async function signedInClient(ip = randomIp()) {
  const client = newClient(ip);
  const email = uniqueEmail();
  const { data, response } = await client.POST("/v1/auth/register", { body: { email, password: STRONG_PASSWORD } });
  if (!data) throw new Error(`register failed: ${response.status} ${await response.text()}`);
  client.tokens.set(data.tokens);
  return { client, email, password: STRONG_PASSWORD, user: data.user, tokens: data.tokens, ip };
}
