import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { ImagifyClient } from "../../openapi/client";
import { getSession } from "../../src/routes/processing/processing.routes";
import { fixtureBytes } from "../fixtures";
import { expectContract } from "../helpers/contract";
import { uploadLabelled } from "../helpers/images";

/** A real 640×480 PNG (made by the Images binding from a tiny fixture), unique per call. */
export async function photoBytes(): Promise<Uint8Array> {
  const made = await env.IMAGES.input(new Blob([fixtureBytes("tiny.png")]).stream())
    .transform({ width: 640, height: 480 })
    .output({ format: "image/png" });
  const bytes = new Uint8Array(await made.response().arrayBuffer());
  const out = new Uint8Array(bytes.length + 16);
  out.set(bytes);
  out.set(crypto.getRandomValues(new Uint8Array(16)), bytes.length);
  return out;
}

export async function uploadPhotos(client: ImagifyClient, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push((await uploadLabelled(client, await photoBytes(), [{ label: "SEASHORE", score: 0.6 }])).id);
  }
  return ids;
}

export async function readSession(client: ImagifyClient, id: string) {
  return expectContract(
    getSession,
    200,
    await client.GET("/v1/processing-sessions/{id}", { params: { path: { id } } }),
  );
}

/** Polls until the session's status is one of `statuses` (the object's alarms run by themselves). */
export async function waitForStatus(client: ImagifyClient, id: string, statuses: string[], timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const session = await readSession(client, id);
    if (statuses.includes(session.status)) return session;
    expect(Date.now(), `session ${id} still ${session.status}`).toBeLessThan(deadline);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
