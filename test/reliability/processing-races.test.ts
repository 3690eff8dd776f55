// Processing sessions under races and crashes (issue 16, items 1–3): the running-sessions limit under concurrent
// starts, deletes that win over a conversion in flight, and D1's index healed from the session object.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deleteAccountRoute as deleteAccount } from "../../src/auth/me.routes";
import { ImageService } from "../../src/images/images.service";
import { objectsPrefix } from "../../src/images/store/image-objects";
import * as routes from "../../src/processing/processing.routes";
import { SessionEngine } from "../../src/processing/session-engine";
import { call, STRONG_PASSWORD, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bearer, countImageRows, listObjectKeys } from "../helpers/images";
import { signal } from "../helpers/signal";
import { readSession, uploadPhotos, waitForStatus } from "../processing/helpers";

type Client = Awaited<ReturnType<typeof signedInClient>>["client"];

const WEBP_320 = { format: "webp" as const, width: 320, quality: 80 };

function createSession(client: Client, imageIds: string[]) {
  return client
    .POST("/v1/processing-sessions", { body: { imageIds, output: WEBP_320 } })
    .then((result) => expectContract(routes.createSessionRoute, 201, result));
}

function action(client: Client, id: string, name: "start" | "pause" | "resume" | "cancel") {
  return client.POST(`/v1/processing-sessions/{id}/${name}`, { params: { path: { id } } });
}

function sessionObject(id: string) {
  return env.PROCESSING_SESSIONS.get(env.PROCESSING_SESSIONS.idFromName(id));
}

/** The status D1's index holds for a session (null: no row). */
async function indexed(id: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT status FROM processing_sessions WHERE id = ?1")
    .bind(id)
    .first<{ status: string }>();
  return row?.status ?? null;
}

/** The tables a session object still holds in its SQLite storage (none once it is deleted). */
function objectTables(id: string): Promise<string[]> {
  return runInDurableObject(sessionObject(id), (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'",
      )
      .toArray()
      .map((row) => row.name),
  );
}

/**
 * Holds the conversions of these images at a gate, `before` the real conversion runs or `after` it (its rendition
 * written, not yet recorded by the session), until `open()`. Conversions of other images pass straight through.
 */
function gateConversions(imageIds: string[], where: "before" | "after") {
  const original = ImageService.prototype.convert;
  const { fired: opened, fire: open } = signal();
  const { fired: reached, fire: arrived } = signal();
  vi.spyOn(ImageService.prototype, "convert").mockImplementation(async function (this: ImageService, ...args) {
    if (!imageIds.includes(args[1])) return original.apply(this, args);
    if (where === "before") {
      arrived();
      await opened;
      return original.apply(this, args);
    }
    const result = await original.apply(this, args);
    arrived();
    await opened;
    return result;
  });
  return { reached, open };
}

/** Every alarm the session objects run from now on, and what each ended with. */
function watchAlarms() {
  const original = SessionEngine.prototype.alarm;
  const runs: Promise<unknown>[] = [];
  const errors: unknown[] = [];
  vi.spyOn(SessionEngine.prototype, "alarm").mockImplementation(function (this: SessionEngine) {
    const run = original.call(this);
    runs.push(run.catch((error: unknown) => errors.push(error)));
    return run;
  });
  return {
    errors,
    /** Until every alarm started so far has ended. */
    settled: async () => {
      for (let seen = -1; seen !== runs.length; ) {
        seen = runs.length;
        await Promise.all(runs);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the running-sessions limit under concurrency (MAX_RUNNING_SESSIONS = 3)", () => {
  it("8 starts at once by one user: exactly 3 run, 5 are 409, and D1 and the objects agree", async () => {
    const { client, user } = await signedInClient();
    const imageIds = await uploadPhotos(client, 1);
    // Every started session is held in its first step, so none finishes and frees its slot during the test.
    const gate = gateConversions(imageIds, "before");
    const drafts = await Promise.all(Array.from({ length: 8 }, () => createSession(client, imageIds)));

    const answers = await Promise.all(drafts.map((draft) => action(client, draft.id, "start")));
    const statuses = answers.map((answer) => answer.response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(3);
    expect(statuses.filter((status) => status === 409)).toHaveLength(5);
    for (const answer of answers) {
      if (answer.response.status === 409) {
        expect((await expectContract(routes.startSessionRoute, 409, answer)).detail).toMatch(/MAX_RUNNING_SESSIONS/);
      }
    }

    const { results } = await env.DB.prepare("SELECT id, status FROM processing_sessions WHERE user_id = ?1")
      .bind(user.id)
      .all<{ id: string; status: string }>();
    expect(results.filter((row) => row.status === "running")).toHaveLength(3);
    for (const [i, draft] of drafts.entries()) {
      const status = (await readSession(client, draft.id)).status; // the object's own state
      expect(status).toBe(statuses[i] === 200 ? "running" : "draft");
      expect(results.find((row) => row.id === draft.id)?.status).toBe(status);
    }

    gate.open();
    for (const [i, draft] of drafts.entries()) {
      if (statuses[i] === 200) await waitForStatus(client, draft.id, ["completed"]);
    }
  });
});

describe("deletes win over a conversion in flight", () => {
  it("DELETE /v1/me while an item converts: 204, then nothing of the user in R2, D1 or the session object, and no error in the object", async () => {
    const { client, user, tokens } = await signedInClient();
    const imageIds = await uploadPhotos(client, 2);
    const draft = await createSession(client, imageIds);
    const alarms = watchAlarms();
    const gate = gateConversions([imageIds[0]!], "after"); // its rendition is written; the session has not seen it
    await action(client, draft.id, "start");
    await gate.reached;

    await expectContract(
      deleteAccount,
      204,
      await call("/v1/me", {
        method: "DELETE",
        headers: { ...bearer(tokens.accessToken), "Content-Type": "application/json" },
        body: JSON.stringify({ password: STRONG_PASSWORD }),
      }),
    );
    gate.open();
    await alarms.settled();

    expect(alarms.errors.map(String)).toEqual([]);
    expect(await listObjectKeys(user.id)).toEqual([]);
    expect(await countImageRows(user.id)).toBe(0);
    expect(await indexed(draft.id)).toBeNull();
    expect(await env.DB.prepare("SELECT 1 FROM users WHERE id = ?1").bind(user.id).first()).toBeNull();
    expect(await objectTables(draft.id)).toEqual([]);
    // Later steps do not bring anything back either.
    expect(await runDurableObjectAlarm(sessionObject(draft.id))).toBe(false);
    expect(await listObjectKeys(user.id)).toEqual([]);
  });

  it("an image deleted while its item converts: the item fails as deleted (never `done` with a dead link), nothing stays under the image", async () => {
    const { client, user } = await signedInClient();
    const imageIds = await uploadPhotos(client, 2);
    const doomed = (await client.GET("/v1/images/{id}", { params: { path: { id: imageIds[0]! } } })).data!;
    const draft = await createSession(client, imageIds);
    const gate = gateConversions([doomed.id], "after");
    await action(client, draft.id, "start");
    await gate.reached;

    await client.DELETE("/v1/images/{id}", { params: { path: { id: doomed.id } } });
    gate.open();
    const done = await waitForStatus(client, draft.id, ["completed"]);

    expect(done.progress).toEqual({ done: 1, failed: 1, total: 2 });
    expect(done.items[0]).toMatchObject({ imageId: doomed.id, status: "failed", rendition: null });
    expect(done.items[0]!.error).toMatch(/deleted/);
    expect(done.items[1]).toMatchObject({ status: "done" });
    expect(await listObjectKeys(user.id)).not.toContainEqual(expect.stringContaining(doomed.sha256));
    const left = await env.BUCKET.list({ prefix: objectsPrefix(user.id, doomed.sha256) });
    expect(left.objects.map((object) => object.key)).toEqual([]);
  });

  it("a session deleted while an item converts: 204, the step stops without an error, and the object keeps nothing", async () => {
    const { client } = await signedInClient();
    const imageIds = await uploadPhotos(client, 2);
    const draft = await createSession(client, imageIds);
    const alarms = watchAlarms();
    const gate = gateConversions([imageIds[0]!], "before");
    await action(client, draft.id, "start");
    await gate.reached;

    await expectContract(
      routes.deleteSessionRoute,
      204,
      await client.DELETE("/v1/processing-sessions/{id}", { params: { path: { id: draft.id } } }),
    );
    gate.open();
    await alarms.settled();

    expect(alarms.errors.map(String)).toEqual([]);
    expect(await indexed(draft.id)).toBeNull();
    expect(await objectTables(draft.id)).toEqual([]);
    expect(await runDurableObjectAlarm(sessionObject(draft.id))).toBe(false);
  });
});

describe("D1's index is repaired from the session object", () => {
  it("a finished session whose index write was lost (D1 still `running`) agrees again after its next alarm", async () => {
    const { client } = await signedInClient();
    const draft = await createSession(client, await uploadPhotos(client, 1));
    await action(client, draft.id, "start");
    await waitForStatus(client, draft.id, ["completed"]);
    // The crash window: the object wrote `completed`, the index write never happened.
    await env.DB.prepare("UPDATE processing_sessions SET status = 'running' WHERE id = ?1").bind(draft.id).run();
    const listed = await client.GET("/v1/processing-sessions", { params: { query: { status: "running" } } });
    expect(listed.data!.items.map((item) => item.id)).toContain(draft.id); // the stale index, as the probe saw it

    expect(await runDurableObjectAlarm(sessionObject(draft.id))).toBe(true); // the finished session's own alarm
    expect(await indexed(draft.id)).toBe("completed");
    const relisted = await client.GET("/v1/processing-sessions", { params: { query: { status: "running" } } });
    expect(relisted.data!.items.map((item) => item.id)).not.toContain(draft.id);
    expect((await readSession(client, draft.id)).status).toBe("completed");
  });

  it("a cancel whose index write fails: the object is cancelled, and the index follows at the next alarm", async () => {
    const { client } = await signedInClient();
    const draft = await createSession(client, await uploadPhotos(client, 1));
    const trigger = `fail_index_${draft.id.replace(/\W/g, "_")}`;
    // D1 refuses this session's index write, as a crash between the two writes would leave it.
    await env.DB.prepare(
      `CREATE TRIGGER ${trigger} BEFORE UPDATE ON processing_sessions
       WHEN NEW.id = '${draft.id}' AND NEW.status = 'cancelled' BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`,
    ).run();
    try {
      await action(client, draft.id, "cancel");
      expect((await readSession(client, draft.id)).status).toBe("cancelled");
      expect(await indexed(draft.id)).toBe("draft");
    } finally {
      await env.DB.prepare(`DROP TRIGGER ${trigger}`).run();
    }

    await runDurableObjectAlarm(sessionObject(draft.id)); // the next alarm, now rather than when it is due
    const deadline = Date.now() + 3000;
    while ((await indexed(draft.id)) !== "cancelled" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await indexed(draft.id)).toBe("cancelled");
    expect((await readSession(client, draft.id)).status).toBe("cancelled");
  });
});
