// Shared by the edit and preset tests: the photo (test/options/helpers.ts), edits through the SDK, files through the
// Worker, judged by the pixel oracle.
import { expect } from "vitest";
import { deleteImageEditsRoute, putImageEditsRoute } from "../../src/images/edits.routes";
import { getImageRoute } from "../../src/images/images.routes";
import { call, type signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";

export type User = Awaited<ReturnType<typeof signedInClient>>;

export async function putEdits(user: User, id: string, edits: object) {
  const result = await user.client.PUT("/v1/images/{id}/edits", {
    params: { path: { id } },
    body: edits as never,
  });
  return expectContract(putImageEditsRoute, 200, result);
}

export async function revertEdits(user: User, id: string) {
  return expectContract(
    deleteImageEditsRoute,
    200,
    await user.client.DELETE("/v1/images/{id}/edits", { params: { path: { id } } }),
  );
}

export async function readImage(user: User, id: string) {
  return expectContract(getImageRoute, 200, await user.client.GET("/v1/images/{id}", { params: { path: { id } } }));
}

/** GET a signed link (no token), 200 expected: its bytes and the response. */
export async function fetchLink(url: string): Promise<{ bytes: Uint8Array; response: Response }> {
  const response = await call(url);
  const bytes = new Uint8Array(await response.arrayBuffer());
  expect(response.status, `${url}: ${new TextDecoder().decode(bytes.slice(0, 300))}`).toBe(200);
  return { bytes, response };
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
