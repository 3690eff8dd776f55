// Renditions are budgeted per user (RENDITIONS_PER_HOUR, claimed atomically) and per image (RENDITIONS_PER_IMAGE):
// any signed-in user could otherwise ask for any number of distinct sizes of a large photo, each a fresh conversion
// stored for good. The thumbnail and display image never count; stored renditions are always served.
import { describe, expect, it } from "vitest";
import { getImageFileRoute } from "../../../src/images/images.routes";
import { fetchWithSettings } from "../../helpers/app-with";
import { BASE_URL, signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import { bearer, photoBytes, uploadLabelled } from "../../helpers/images";

async function photo() {
  const user = await signedInClient();
  const image = await uploadLabelled(user.client, await photoBytes(), [{ label: "SEASHORE", score: 0.6 }]);
  return { ...user, image };
}

function get(token: string, id: string, query: Record<string, string>, settings: Record<string, string>) {
  const request = new Request(`${BASE_URL}/v1/images/${id}/file?${new URLSearchParams(query)}`, {
    headers: bearer(token),
  });
  return fetchWithSettings(request, settings);
}

describe("the rendition budget", () => {
  it("per image: past RENDITIONS_PER_IMAGE stored renditions a new one is 422; stored ones and the thumbnail are served", async () => {
    const { tokens, image } = await photo();
    const settings = { RENDITIONS_PER_IMAGE: "2" };
    const width = (w: number) => get(tokens.accessToken, image.id, { width: String(w), format: "png" }, settings);
    expect((await width(100)).status).toBe(200);
    expect((await width(110)).status).toBe(200);
    const refused = await expectContract(getImageFileRoute, 422, await width(120));
    expect(refused.detail).toContain("RENDITIONS_PER_IMAGE");
    expect((await width(100)).status).toBe(200); // stored: served
    const thumbnail = new URL(image.thumbnailUrl);
    const response = await fetchWithSettings(
      new Request(`${BASE_URL}${thumbnail.pathname}${thumbnail.search}`),
      settings,
    );
    expect(response.status).toBe(200);
  });

  it("per user and hour: 10 new renditions asked at once with RENDITIONS_PER_HOUR=3 make exactly 3; the rest are 429", async () => {
    const { tokens, image } = await photo();
    const settings = { RENDITIONS_PER_HOUR: "3" };
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        get(tokens.accessToken, image.id, { width: String(50 + i), format: "webp" }, settings),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
    const refused = responses.find((response) => response.status === 429)!;
    const problem = await expectContract(getImageFileRoute, 429, refused);
    expect(problem.detail).toContain("RENDITIONS_PER_HOUR");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // A rendition made within the budget is still served.
    const made = responses.findIndex((response) => response.status === 200);
    expect(
      (await get(tokens.accessToken, image.id, { width: String(50 + made), format: "webp" }, settings)).status,
    ).toBe(200);
  });
});
