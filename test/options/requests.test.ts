// The processing options as requests: a session's `output` makes the same file as the file route's query with the
// same options, the stated size is the file's, what is invalid is a 400 naming the parameter, another user's
// watermark is not found, and a signed link covers every option.
import { describe, expect, it } from "vitest";
import { getImageFileRoute as getImageFile } from "../../src/images/images.routes";
import {
  createSessionRoute as createSession,
  startSessionRoute as startSession,
  updateSessionRoute as updateSession,
} from "../../src/processing/processing.routes";
import { call } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bytesEqual } from "../helpers/images";
import { waitForStatus } from "../processing/helpers";
import { fileUrl, oracle, refused, rendition, userWithPhoto } from "./helpers";

type User = Awaited<ReturnType<typeof userWithPhoto>>;

/** A session over the user's photo with `output`, run to completion; its one item. */
async function converted(user: User, output: Record<string, unknown>) {
  const created = await expectContract(
    createSession,
    201,
    await user.client.POST("/v1/processing-sessions", {
      body: { imageIds: [user.image.id], output: output as never },
    }),
  );
  await expectContract(
    startSession,
    200,
    await user.client.POST("/v1/processing-sessions/{id}/start", { params: { path: { id: created.id } } }),
  );
  const done = await waitForStatus(user.client, created.id, ["completed", "failed"]);
  expect(done.items[0]?.error ?? null).toBeNull();
  expect(done.status).toBe("completed");
  return { session: done, item: done.items[0]! };
}

async function fetchLink(url: string): Promise<Uint8Array> {
  const { pathname, search } = new URL(url);
  const response = await call(pathname + search);
  const bytes = new Uint8Array(await response.arrayBuffer());
  expect(response.status, `${url}: ${new TextDecoder().decode(bytes.slice(0, 300))}`).toBe(200);
  return bytes;
}

/** The session output's options (watermark aside) as the file route spells them. */
const FLAT_OPTIONS = {
  format: "webp",
  quality: 80,
  width: 200,
  rotate: 90,
  flip: "h",
  "trim.top": 10,
  "trim.left": 20,
  saturation: 0.5,
  sharpen: 1,
  "border.color": "#102030",
  "border.width": 4,
} as const;

describe("a session's output and the file route: one set of options", () => {
  it("the same options make the same bytes, for another user (each with their own logo) through the file route", async () => {
    const a = await userWithPhoto({ logo: true });
    const b = await userWithPhoto({ logo: true });
    const { item } = await converted(a, {
      format: "webp",
      quality: 80,
      width: 200,
      rotate: 90,
      flip: "h",
      trim: { top: 10, left: 20 },
      saturation: 0.5,
      sharpen: 1,
      border: { color: "#102030", width: 4 },
      watermark: { imageId: a.logo!.id, opacity: 0.6, gravity: "top-left", width: 0.3 },
    });
    const fromSession = await fetchLink(item.rendition!.url);
    const { bytes: fromFileRoute } = await rendition(b, b.image.id, {
      ...FLAT_OPTIONS,
      watermark: b.logo!.id,
      "watermark.opacity": 0.6,
      "watermark.gravity": "top-left",
      "watermark.width": 0.3,
    });
    expect(fromSession.byteLength).toBeGreaterThan(1000);
    expect(bytesEqual(fromSession, fromFileRoute)).toBe(true);

    // The stated size: trimmed to 431×290, turned (290×431), 200 wide (200×297), plus a 4 px border.
    const seen = await oracle("/gray?size=16", fromSession);
    expect({ width: item.rendition!.width, height: item.rendition!.height }).toEqual({ width: 208, height: 305 });
    expect({ width: seen.width, height: seen.height }).toEqual({ width: 208, height: 305 });

    // Without the watermark the bytes differ: the comparison above can fail.
    const { bytes: unmarked } = await rendition(b, b.image.id, FLAT_OPTIONS);
    expect(bytesEqual(fromSession, unmarked)).toBe(false);
  });

  it("a rotated session output states the turned size, and the file is that size", async () => {
    const user = await userWithPhoto();
    const { item } = await converted(user, { format: "png", width: 200, rotate: 270 });
    const seen = await oracle("/gray?size=16", await fetchLink(item.rendition!.url));
    // 451×300 turned is 300×451; 200 wide is 200×301.
    expect([item.rendition!.width, item.rendition!.height]).toEqual([200, 301]);
    expect([seen.width, seen.height]).toEqual([200, 301]);
  });
});

describe("what is refused", () => {
  it("misspelled, unknown and out-of-range parameters and options that do not go together: 400 naming them", async () => {
    const user = await userWithPhoto({ logo: true });
    const cases: [Record<string, string | number>, string[], RegExp?][] = [
      [{ rotate: 45 }, ["query.rotate"], /90, 180 or 270/],
      [{ brightnes: 1.5 }, ["query.brightnes"], /Did you mean `brightness`/],
      [{ widht: 100 }, ["query.widht"], /Did you mean `width`/],
      [{ "trim.middle": 3 }, ["query.trim.middle"]],
      [{ flip: "x" }, ["query.flip"]],
      [{ blur: 0 }, ["query.blur"]],
      [{ blur: 251 }, ["query.blur"]],
      [{ sharpen: 11 }, ["query.sharpen"]],
      [{ brightness: 0 }, ["query.brightness"]],
      [{ saturation: -1 }, ["query.saturation"]],
      [{ metadata: "keep" }, ["query.metadata"]],
      [{ background: "blurple" }, ["query.background"], /Not a colour/],
      [{ background: "rgb(1, 2, 3)" }, ["query.background"]],
      [{ gravity: "left" }, ["query.gravity"], /fit=cover or fit=crop/],
      [{ gravity: "left", fit: "cover", width: 100 }, ["query.gravity"]],
      [{ gravity: "1.5x0.2", fit: "cover", width: 100, height: 100 }, ["query.gravity"]],
      [{ "trim.left": 300, "trim.right": 151 }, ["query.trim.left", "query.trim.right"], /leaves nothing/],
      [{ "trim.top": 300 }, ["query.trim.top", "query.trim.bottom"]],
      [{ "watermark.opacity": 0.5 }, ["query.watermark"], /need `watermark`/],
      [{ watermark: user.logo!.id, "watermark.opacity": 0 }, ["query.watermark.opacity"]],
      [{ watermark: user.logo!.id, "watermark.gravity": "middle" }, ["query.watermark.gravity"]],
      [{ "border.color": "red", "border.width": 4 }, ["query.border.color"], /Not a colour/],
      [{ "border.color": "#000", "border.width": 4, "border.top": 2 }, ["query.border.width"], /not both/],
    ];
    for (const [query, paths, message] of cases) {
      const problem = await refused(user, user.image.id, query, 400);
      expect(
        problem.errors?.map((error) => error.path),
        JSON.stringify(query),
      ).toEqual(paths);
      if (message) expect(problem.errors?.[0]?.message, JSON.stringify(query)).toMatch(message);
    }
  });

  it("a watermark that is another user's image, or no image, is not found, like any foreign id", async () => {
    const owner = await userWithPhoto({ logo: true });
    const other = await userWithPhoto();
    const foreign = await refused(other, other.image.id, { watermark: owner.logo!.id, format: "png" }, 404);
    const missing = await refused(
      other,
      other.image.id,
      { watermark: "img_doesnotexist000000000", format: "png" },
      404,
    );
    expect(foreign.detail).toBe(missing.detail);
    expect(foreign.type).toBe(missing.type);
    // The owner may use it.
    await rendition(owner, owner.image.id, { watermark: owner.logo!.id, format: "png" });
  });

  it("a session refuses the same: a foreign watermark as its image ids are refused, invalid options as 400s", async () => {
    const owner = await userWithPhoto({ logo: true });
    const other = await userWithPhoto();
    const create = (output: Record<string, unknown>) =>
      other.client.POST("/v1/processing-sessions", { body: { imageIds: [other.image.id], output: output as never } });
    const foreign = await expectContract(
      createSession,
      422,
      await create({ format: "png", watermark: { imageId: owner.logo!.id } }),
    );
    expect(foreign.errors?.map((error) => error.path)).toEqual(["body.output.watermark.imageId"]);
    for (const [output, path] of [
      [{ format: "png", rotate: 45 }, "body.output.rotate"],
      [{ format: "png", gravity: "auto" }, "body.output.gravity"],
      [{ format: "png", border: { color: "#000", width: 2, left: 1 } }, "body.output.border.width"],
      [{ format: "png", trim: { top: -1 } }, "body.output.trim.top"],
    ] as const) {
      const problem = await expectContract(createSession, 400, await create(output));
      expect(
        problem.errors?.map((error) => error.path),
        JSON.stringify(output),
      ).toEqual([path]);
    }
    // Editing a draft's output is held to the same rule.
    const draft = await expectContract(createSession, 201, await create({ format: "png" }));
    const edited = await other.client.PATCH("/v1/processing-sessions/{id}", {
      params: { path: { id: draft.id }, header: { "if-match": `"${draft.version}"` } },
      body: { output: { format: "png", watermark: { imageId: owner.logo!.id } } },
    });
    await expectContract(updateSession, 422, edited);
  });

  it("a session whose watermark is deleted before its items convert fails them with the reason", async () => {
    const user = await userWithPhoto({ logo: true });
    const created = await expectContract(
      createSession,
      201,
      await user.client.POST("/v1/processing-sessions", {
        body: { imageIds: [user.image.id], output: { format: "png", watermark: { imageId: user.logo!.id } } },
      }),
    );
    await user.client.DELETE("/v1/images/{id}", { params: { path: { id: user.logo!.id } } });
    await user.client.POST("/v1/processing-sessions/{id}/start", { params: { path: { id: created.id } } });
    const done = await waitForStatus(user.client, created.id, ["completed", "failed"]);
    expect(done.status).toBe("failed");
    expect(done.items[0]).toMatchObject({ status: "failed", rendition: null });
    expect(done.items[0]?.error).toMatch(/watermark/);
  });

  it("a signed link with any option altered, added or removed is refused", async () => {
    const user = await userWithPhoto({ logo: true });
    const { item } = await converted(user, {
      format: "png",
      width: 120,
      trim: { top: 5 },
      blur: 2,
      watermark: { imageId: user.logo!.id, opacity: 0.5 },
    });
    const link = new URL(item.rendition!.url);
    expect(link.searchParams.get("watermark")).toBe(user.logo!.id);
    expect((await call(link.pathname + link.search)).status).toBe(200);
    const changes: [string, string | null][] = [
      ["watermark.opacity", "1"],
      ["watermark.width", "0.5"],
      ["watermark.gravity", "center"],
      ["trim.top", "6"],
      ["trim.bottom", "5"],
      ["blur", null],
      ["rotate", "90"],
      ["metadata", "copyright"],
    ];
    for (const [name, value] of changes) {
      const altered = new URL(link);
      if (value === null) altered.searchParams.delete(name);
      else altered.searchParams.set(name, value);
      const response = await call(altered.pathname + altered.search);
      expect(response.status, `${name}=${value}`).toBe(403);
      await expectContract(getImageFile, 403, response);
    }
    // Without the watermark at all (its own parameters alone would be a 400).
    const unmarked = new URL(link);
    for (const name of ["watermark", "watermark.opacity"]) unmarked.searchParams.delete(name);
    await expectContract(getImageFile, 403, await call(unmarked.pathname + unmarked.search));
    // The link itself still works, by the bytes of the session's file.
    const again = await call(fileUrl(user.image.id, Object.fromEntries(link.searchParams)));
    expect(again.status).toBe(200);
  });
});
