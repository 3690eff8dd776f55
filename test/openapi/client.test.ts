import { describe, expect, it } from "vitest";
import {
  createImagifyClient,
  memoryDeviceTokenStore,
  memoryTokenStore,
  type ProcessingSession,
  WatchError,
} from "../../openapi/client";
import { SessionSchema } from "../../src/processing/processing.routes";
import { BASE_URL, STRONG_PASSWORD, signedInClient, uniqueEmail, workerFetch } from "../helpers/client";
import { uploadPhotos } from "../processing/helpers";

type Send = (request: Request) => Promise<Response>;

/** A client over the Worker that records the JSON bodies it sends; `around` may delay or reorder answers. */
function recordingClient(around: (request: Request, send: Send) => Promise<Response> = (r, send) => send(r)) {
  const sent: { path: string; body: Record<string, unknown> | null }[] = [];
  const fetch = workerFetch();
  const client = createImagifyClient({
    baseUrl: BASE_URL,
    tokens: memoryTokenStore(),
    deviceTokens: memoryDeviceTokenStore(),
    fetch: async (request) => {
      const body = (await request
        .clone()
        .json()
        .catch(() => null)) as Record<string, unknown> | null;
      sent.push({ path: new URL(request.url).pathname, body });
      return around(request, fetch);
    },
  });
  return { client, sent };
}

const EXPIRED = "expired.access.token";

describe("the SDK", () => {
  it("keeps the device token of a sign-in and sends it with later logins", async () => {
    const { client, sent } = recordingClient();
    const email = uniqueEmail();
    const registered = await client.POST("/v1/auth/register", { body: { email, password: STRONG_PASSWORD } });
    expect(registered.data?.deviceToken).toBeTruthy();
    expect(client.deviceTokens.get()).toBe(registered.data!.deviceToken);

    const loggedIn = await client.POST("/v1/auth/login", { body: { email, password: STRONG_PASSWORD } });
    expect(loggedIn.response.status).toBe(200);
    expect(sent.at(-1)).toEqual({
      path: "/v1/auth/login",
      body: { email, password: STRONG_PASSWORD, deviceToken: registered.data!.deviceToken },
    });
    // The server recognised the device: it hands the same token back.
    expect(loggedIn.data?.deviceToken).toBe(registered.data!.deviceToken);
  });

  it("shares one refresh among concurrent 401s, and they all succeed", async () => {
    const { client, sent } = recordingClient();
    const registered = await client.POST("/v1/auth/register", {
      body: { email: uniqueEmail(), password: STRONG_PASSWORD },
    });
    // An access token that no longer verifies, with a refresh token that does.
    client.tokens.set({ ...registered.data!.tokens, accessToken: EXPIRED });
    const results = await Promise.all(Array.from({ length: 5 }, () => client.GET("/v1/me")));
    expect(results.map((result) => result.response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(sent.filter((request) => request.path === "/v1/auth/refresh")).toHaveLength(1);
  });

  it("retries a 401 that arrives after another call's refresh finished with the new token, without refreshing again", async () => {
    // The second call's 401 is held back until the first call has refreshed and retried.
    let releaseLate = () => {};
    const firstCallDone = new Promise<void>((resolve) => {
      releaseLate = resolve;
    });
    let expiredCalls = 0;
    const { client, sent } = recordingClient(async (request, send) => {
      const response = await send(request);
      const withExpiredToken = request.headers.get("Authorization") === `Bearer ${EXPIRED}`;
      if (withExpiredToken && ++expiredCalls === 2) await firstCallDone;
      return response;
    });
    const registered = await client.POST("/v1/auth/register", {
      body: { email: uniqueEmail(), password: STRONG_PASSWORD },
    });
    client.tokens.set({ ...registered.data!.tokens, accessToken: EXPIRED });

    const first = client.GET("/v1/me").then((result) => {
      releaseLate();
      return result;
    });
    const late = client.GET("/v1/me");
    const results = await Promise.all([first, late]);

    expect(results.map((result) => result.response.status)).toEqual([200, 200]);
    expect(sent.filter((request) => request.path === "/v1/auth/refresh")).toHaveLength(1);
  });

  describe("watchSession", () => {
    async function draftOf(client: Awaited<ReturnType<typeof signedInClient>>["client"], photos: number) {
      const imageIds = await uploadPhotos(client, photos);
      const { data } = await client.POST("/v1/processing-sessions", {
        body: { imageIds, output: { format: "webp", width: 320 } },
      });
      return data!;
    }

    it("follows a session to its end: every state in the API's shape, progress never going back", async () => {
      const { client } = await signedInClient();
      const draft = await draftOf(client, 2);
      const seen: ProcessingSession[] = [];
      const watching = client.watchSession(draft.id, (session) => seen.push(session));
      await client.POST("/v1/processing-sessions/{id}/start", { params: { path: { id: draft.id } } });
      const final = await watching;

      expect(final).toMatchObject({ id: draft.id, status: "completed", progress: { done: 2, total: 2 } });
      expect(seen.at(-1)).toEqual(final);
      for (const state of seen) expect(SessionSchema.strict().parse(state)).toEqual(state);
      const done = seen.map((state) => state.progress.done);
      expect(done).toEqual([...done].sort());
    });

    it("stops when its signal aborts, and rejects with the problem for a session that is not yours", async () => {
      const owner = await signedInClient();
      const draft = await draftOf(owner.client, 1);
      const controller = new AbortController();
      const states: string[] = [];
      const watching = owner.client.watchSession(
        draft.id,
        (session) => {
          states.push(session.status);
          controller.abort();
        },
        { signal: controller.signal },
      );
      expect(await watching).toBeNull();
      expect(states).toEqual(["draft"]);

      const stranger = await signedInClient();
      const refused = await stranger.client.watchSession(draft.id, () => {}).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(WatchError);
      expect((refused as WatchError).status).toBe(404);
    });
  });
});
