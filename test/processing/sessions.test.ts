import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type ProcessingSession, readSessionEvents } from "../../openapi/client";
import { loginRoute as login } from "../../src/auth/auth.routes";
import { sweepOrphanObjects } from "../../src/images/orphan-sweep";
import { objectsPrefix } from "../../src/images/store/image-objects";
import * as routes from "../../src/processing/processing.routes";
import { SessionSchema } from "../../src/processing/processing.routes";
import { createServices } from "../../src/services";
import { fetchWithSettings } from "../helpers/app-with";
import { call, newClient, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bearer, listObjectKeys } from "../helpers/images";
import { readSession, uploadPhotos, waitForSession, waitForStatus } from "./helpers";

const WEBP_320 = { format: "webp" as const, width: 320, quality: 80 };

async function createSession(
  client: Awaited<ReturnType<typeof signedInClient>>["client"],
  imageIds: string[],
  output = WEBP_320,
) {
  return expectContract(
    routes.createSessionRoute,
    201,
    await client.POST("/v1/processing-sessions", { body: { imageIds, output } }),
  );
}

function action(
  client: Awaited<ReturnType<typeof signedInClient>>["client"],
  id: string,
  name: "start" | "pause" | "resume" | "cancel",
) {
  return client.POST(`/v1/processing-sessions/{id}/${name}`, { params: { path: { id } } });
}

function isWebp(bytes: Uint8Array) {
  return String.fromCharCode(...bytes.slice(0, 4)) === "RIFF" && String.fromCharCode(...bytes.slice(8, 12)) === "WEBP";
}

describe("processing sessions", () => {
  it("run to completion: every output a real WebP of the right size, all of them in one ZIP", async () => {
    const { client, tokens } = await signedInClient();
    const imageIds = await uploadPhotos(client, 3);
    const draft = await createSession(client, imageIds);
    expect(draft).toMatchObject({ status: "draft", progress: { done: 0, failed: 0, total: 3 }, version: 1 });
    await expectContract(routes.startSessionRoute, 200, await action(client, draft.id, "start"));
    const done = await waitForStatus(client, draft.id, ["completed"]);

    expect(done.progress).toEqual({ done: 3, failed: 0, total: 3 });
    for (const item of done.items) {
      expect(item.status).toBe("done");
      expect(item.rendition).toMatchObject({ width: 320, height: 240, contentType: "image/webp" });
      const file = await call(item.rendition!.url); // signed: no other header needed
      expect(file.status).toBe(200);
      const bytes = new Uint8Array(await file.arrayBuffer());
      expect(isWebp(bytes)).toBe(true);
      expect(bytes.length).toBe(item.rendition!.bytes);
    }

    const archive = await call(`/v1/processing-sessions/${draft.id}/archive`, { headers: bearer(tokens.accessToken) });
    expect(archive.status).toBe(200);
    expect(archive.headers.get("content-type")).toBe("application/zip");
    const zip = new Uint8Array(await archive.arrayBuffer());
    expect(String.fromCharCode(...zip.slice(0, 4))).toBe("PK\u0003\u0004");
    const text = new TextDecoder("latin1").decode(zip);
    expect(text.split("PK\u0001\u0002").length - 1).toBe(3); // three central-directory entries
    expect(text).toContain(".webp");
  });

  it("one state for every login of the user; live progress over Server-Sent Events", async () => {
    const first = await signedInClient();
    const imageIds = await uploadPhotos(first.client, 2);
    const draft = await createSession(first.client, imageIds);

    const phone = newClient();
    const signedIn = await expectContract(
      login,
      200,
      await phone.POST("/v1/auth/login", { body: { email: first.email, password: first.password } }),
    );
    phone.tokens.set(signedIn.tokens);
    expect(await readSession(phone, draft.id)).toEqual(await readSession(first.client, draft.id));

    const events = await call(`/v1/processing-sessions/${draft.id}/events`, {
      headers: bearer(signedIn.tokens.accessToken),
    });
    expect(events.headers.get("content-type")).toBe("text/event-stream");
    await expectContract(routes.startSessionRoute, 200, await action(first.client, draft.id, "start"));
    const seen = await readEvents(events.body!);
    for (const state of seen) expect(SessionSchema.strict().parse(state)).toEqual(state); // the API's own shape
    expect(seen[0]!.status).toBe("draft"); // the state at connection
    expect(seen.at(-1)).toMatchObject({ status: "completed", progress: { done: 2, total: 2 } });
    const progress = seen.map((state) => state.progress.done);
    expect(progress).toEqual([...progress].sort()); // every item's completion arrives, in order
    expect(progress).toContain(1);

    // Reconnecting to a finished session: its final state, then the stream ends.
    const again = await call(`/v1/processing-sessions/${draft.id}/events`, {
      headers: bearer(signedIn.tokens.accessToken),
    });
    const ended = await Promise.race([
      readEvents(again.body!),
      new Promise<"still open">((resolve) => setTimeout(() => resolve("still open"), 2000)),
    ]);
    expect(ended).toEqual([seen.at(-1)]);
  });

  it("a watching client holds its object only by a hibernatable socket, closed when the session finishes", async () => {
    const { client, tokens } = await signedInClient();
    const draft = await createSession(client, await uploadPhotos(client, 1));
    const sockets = () =>
      runInDurableObject(
        env.PROCESSING_SESSIONS.get(env.PROCESSING_SESSIONS.idFromName(draft.id)),
        (_instance, state) => state.getWebSockets().length,
      );
    const events = await call(`/v1/processing-sessions/${draft.id}/events`, { headers: bearer(tokens.accessToken) });
    const reader = events.body!.getReader();
    expect((await reader.read()).done).toBe(false); // the draft's state
    expect(await sockets()).toBe(1); // no request held open inside the object: it may hibernate between changes
    await action(client, draft.id, "start");
    while (!(await reader.read()).done) {} // until the stream ends with the session
    expect(await sockets()).toBe(0);
  });

  it("deleting a session ends the event streams watching it", async () => {
    const { client, tokens } = await signedInClient();
    const draft = await createSession(client, await uploadPhotos(client, 1));
    const events = await call(`/v1/processing-sessions/${draft.id}/events`, { headers: bearer(tokens.accessToken) });
    const reader = events.body!.getReader();
    expect((await reader.read()).done).toBe(false); // the draft's state
    await client.DELETE("/v1/processing-sessions/{id}", { params: { path: { id: draft.id } } });
    const next = await Promise.race([
      reader.read(),
      new Promise<"still open">((resolve) => setTimeout(() => resolve("still open"), 2000)),
    ]);
    expect(next).toEqual({ done: true, value: undefined });
  });

  it("an interrupted object continues where it stopped, without redoing finished items", async () => {
    const { client } = await signedInClient();
    const imageIds = await uploadPhotos(client, 4);
    const draft = await createSession(client, imageIds);
    await action(client, draft.id, "start");
    await waitForSession(client, draft.id, (session) => session.progress.done >= 1);
    // Reset this object as the runtime does on eviction or a deploy: its memory is gone, its SQLite and pending
    // alarm survive. (abortAllDurableObjects would also reset the objects of test files running alongside.)
    // (A stub breaks with its object, so each step takes a fresh one.)
    const stub = () => env.PROCESSING_SESSIONS.get(env.PROCESSING_SESSIONS.idFromName(draft.id));
    const before = await runInDurableObject(stub(), (instance) => instance);
    await runInDurableObject(stub(), (_instance, state) => state.abort("evicted by the test")).catch(() => {});
    const done = await waitForStatus(client, draft.id, ["completed"]);
    expect(done.progress).toEqual({ done: 4, failed: 0, total: 4 });
    expect(await runInDurableObject(stub(), (instance) => instance)).not.toBe(before); // a new instance finished it
    const attempts = await runInDurableObject(stub(), (_instance, state) =>
      state.storage.sql.exec<{ attempts: number }>("SELECT attempts FROM items ORDER BY position").toArray(),
    );
    // An item in progress at the abort may have been tried twice; none more, and the first never again.
    expect(attempts[0]!.attempts).toBe(1);
    for (const row of attempts) expect(row.attempts).toBeLessThanOrEqual(2);
  });

  it("pause stops after the current item; resume continues; cancel ends it", async () => {
    const { client } = await signedInClient();
    const draft = await createSession(client, await uploadPhotos(client, 5));
    await action(client, draft.id, "start");
    const paused = await expectContract(routes.pauseSessionRoute, 200, await action(client, draft.id, "pause"));
    expect(paused.status).toBe("paused");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const still = await readSession(client, draft.id);
    expect(still.status).toBe("paused");
    expect(still.progress.done).toBeLessThan(5);
    await expectContract(routes.pauseSessionRoute, 409, await action(client, draft.id, "pause"));
    await expectContract(routes.resumeSessionRoute, 200, await action(client, draft.id, "resume"));
    expect((await waitForStatus(client, draft.id, ["completed"])).progress.done).toBe(5);
    await expectContract(routes.cancelSessionRoute, 409, await action(client, draft.id, "cancel"));

    const other = await createSession(client, await uploadPhotos(client, 1));
    const cancelled = await expectContract(routes.cancelSessionRoute, 200, await action(client, other.id, "cancel"));
    expect(cancelled.status).toBe("cancelled");
    await expectContract(routes.startSessionRoute, 409, await action(client, other.id, "start"));
  });

  it("a draft is edited with If-Match: stale is 412, missing is 428, a started session is 409", async () => {
    const { client, tokens } = await signedInClient();
    const ids = await uploadPhotos(client, 2);
    const draft = await createSession(client, [ids[0]!]);
    const patch = (ifMatch: string | null, body: object) =>
      call(`/v1/processing-sessions/${draft.id}`, {
        method: "PATCH",
        headers: {
          ...bearer(tokens.accessToken),
          "Content-Type": "application/json",
          ...(ifMatch ? { "If-Match": ifMatch } : {}),
        },
        body: JSON.stringify(body),
      });
    const edited = await expectContract(routes.updateSessionRoute, 200, await patch('"1"', { imageIds: ids }));
    expect(edited).toMatchObject({ version: 2, progress: { total: 2 } });
    await expectContract(routes.updateSessionRoute, 412, await patch('"1"', { output: { format: "png" } })); // the other device
    await expectContract(routes.updateSessionRoute, 428, await patch(null, { output: { format: "png" } }));
    await action(client, draft.id, "start");
    await action(client, draft.id, "pause");
    // A version that holds still: the item in progress at the pause finishes (one more version), then nothing moves.
    const { version } = await waitForSession(client, draft.id, (session) =>
      session.items.every((item) => item.status !== "processing"),
    );
    await expectContract(routes.updateSessionRoute, 409, await patch(`"${version}"`, { output: { format: "png" } }));
  });

  it("another user's session is a 404 on every route, and their ids cannot be selected", async () => {
    const owner = await signedInClient();
    const draft = await createSession(owner.client, await uploadPhotos(owner.client, 1));
    const stranger = await signedInClient();
    const headers = bearer(stranger.tokens.accessToken);
    const base = `/v1/processing-sessions/${draft.id}`;
    await expectContract(routes.getSessionRoute, 404, await call(base, { headers }));
    for (const name of ["start", "pause", "resume", "cancel"] as const) {
      await expectContract(routes.startSessionRoute, 404, await call(`${base}/${name}`, { method: "POST", headers }));
    }
    await expectContract(routes.deleteSessionRoute, 404, await call(base, { method: "DELETE", headers }));
    await expectContract(routes.sessionEventsRoute, 404, await call(`${base}/events`, { headers }));
    await expectContract(routes.sessionArchiveRoute, 404, await call(`${base}/archive`, { headers }));
    const listed = await expectContract(
      routes.listSessionsRoute,
      200,
      await stranger.client.GET("/v1/processing-sessions"),
    );
    expect(listed.items).toEqual([]);
    // The owner's image ids are not the stranger's to convert.
    const refused = await expectContract(
      routes.createSessionRoute,
      422,
      await stranger.client.POST("/v1/processing-sessions", {
        body: { imageIds: draft.items.map((i) => i.imageId), output: WEBP_320 },
      }),
    );
    expect(refused.detail).toContain(draft.items[0]!.imageId);
    expect((await readSession(owner.client, draft.id)).status).toBe("draft");
  });

  it("limits: images per session and running sessions per user, each named", async () => {
    const { client, tokens } = await signedInClient();
    const ids = await uploadPhotos(client, 3);
    const tooMany = await fetchWithSettings(
      new Request("http://api.imagify.test/v1/processing-sessions", {
        method: "POST",
        headers: { ...bearer(tokens.accessToken), "Content-Type": "application/json" },
        body: JSON.stringify({ imageIds: ids, output: WEBP_320 }),
      }),
      { MAX_SESSION_IMAGES: "2" },
    );
    expect((await expectContract(routes.createSessionRoute, 400, tooMany)).detail).toMatch(/MAX_SESSION_IMAGES/);

    const a = await createSession(client, ids);
    const b = await createSession(client, [ids[0]!]);
    await action(client, a.id, "start");
    // Hold `a` running: take its next step away (its state stays in storage).
    const aObject = env.PROCESSING_SESSIONS.get(env.PROCESSING_SESSIONS.idFromName(a.id));
    await runInDurableObject(aObject, (_instance, state) => state.storage.deleteAlarm());
    expect((await readSession(client, a.id)).status).toBe("running");
    const start = (id: string) =>
      fetchWithSettings(
        new Request(`http://api.imagify.test/v1/processing-sessions/${id}/start`, {
          method: "POST",
          headers: bearer(tokens.accessToken),
        }),
        { MAX_RUNNING_SESSIONS: "1" },
      );
    expect((await expectContract(routes.startSessionRoute, 409, await start(b.id))).detail).toMatch(
      /MAX_RUNNING_SESSIONS/,
    );
    await runInDurableObject(aObject, (_instance, state) => state.storage.setAlarm(Date.now()));
    await waitForStatus(client, a.id, ["completed"]);
    await expectContract(routes.startSessionRoute, 200, await start(b.id));
  });

  it("a source image deleted before its turn fails with a reason; the others finish; nothing is orphaned", async () => {
    const { client, user } = await signedInClient();
    const ids = await uploadPhotos(client, 3);
    const draft = await createSession(client, ids);
    await client.DELETE("/v1/images/{id}", { params: { path: { id: ids[2]! } } });
    await action(client, draft.id, "start");
    const done = await waitForStatus(client, draft.id, ["completed"]);
    expect(done.progress).toEqual({ done: 2, failed: 1, total: 3 });
    expect(done.items[2]).toMatchObject({ status: "failed", rendition: null });
    expect(done.items[2]!.error).toMatch(/deleted/);

    await expectContract(
      routes.deleteSessionRoute,
      204,
      await client.DELETE("/v1/processing-sessions/{id}", { params: { path: { id: draft.id } } }),
    );
    await expectContract(
      routes.getSessionRoute,
      404,
      await client.GET("/v1/processing-sessions/{id}", { params: { path: { id: draft.id } } }),
    );
    // Two originals and their two renditions, all with their image row: the sweep finds no orphan.
    expect(await listObjectKeys(user.id)).toHaveLength(4);
    const sweep = await sweepOrphanObjects(createServices(env).platform, {
      graceMs: 0,
      prefix: objectsPrefix(user.id),
    });
    expect(sweep).toEqual({ scanned: 4, deleted: 0 });
  });
});

/** The `session` events of a stream until it ends. */
async function readEvents(body: ReadableStream<Uint8Array>): Promise<ProcessingSession[]> {
  const states: ProcessingSession[] = [];
  for await (const state of readSessionEvents(body)) states.push(state);
  return states;
}
