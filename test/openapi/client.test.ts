import { describe, expect, it } from "vitest";
import { createImagifyClient, memoryDeviceTokenStore, memoryTokenStore } from "../../openapi/client";
import { BASE_URL, STRONG_PASSWORD, uniqueEmail, workerFetch } from "../helpers/client";

/** A client over the Worker that records the JSON bodies it sends. */
function recordingClient() {
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
      return fetch(request);
    },
  });
  return { client, sent };
}

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
    client.tokens.set({ ...registered.data!.tokens, accessToken: "expired.access.token" });
    const results = await Promise.all(Array.from({ length: 5 }, () => client.GET("/v1/me")));
    expect(results.map((result) => result.response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(sent.filter((request) => request.path === "/v1/auth/refresh")).toHaveLength(1);
  });
});
