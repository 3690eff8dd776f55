import { expect } from "vitest";
import type { ImagifyClient } from "../../openapi/client";
import { getSessionRoute as getSession } from "../../src/processing/processing.routes";
import { expectContract } from "../helpers/contract";
import { photoBytes, uploadLabelled } from "../helpers/images";

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
export function waitForStatus(client: ImagifyClient, id: string, statuses: string[], timeoutMs = 15_000) {
  return waitForSession(client, id, (session) => statuses.includes(session.status), timeoutMs);
}

/** Polls the session until `reached` holds for it, failing after `timeoutMs`. */
export async function waitForSession(
  client: ImagifyClient,
  id: string,
  reached: (session: Awaited<ReturnType<typeof readSession>>) => boolean,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const session = await readSession(client, id);
    if (reached(session)) return session;
    expect(Date.now(), `session ${id} still ${session.status} at ${session.progress.done} done`).toBeLessThan(deadline);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The entries of a stored (uncompressed) ZIP, from its central directory: name → bytes. */
export function unzipStored(zip: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const entries = new Map<string, Uint8Array>();
  for (let at = 0; at + 4 <= zip.length; at++) {
    if (view.getUint32(at, true) !== 0x02014b50) continue; // central directory header
    const nameLength = view.getUint16(at + 28, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    const local = view.getUint32(at + 42, true);
    let size = view.getUint32(at + 20, true);
    const extraLength = view.getUint16(at + 30, true);
    if (size === 0xffffffff) size = Number(view.getBigUint64(at + 46 + nameLength + 4, true)); // ZIP64 extra field
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    entries.set(name, zip.subarray(dataStart, dataStart + size));
    at += 45 + nameLength + extraLength;
  }
  return entries;
}
