// Presets: named rendition recipes per user, next to built-in ones; `?preset=` on the file route (exactly the same
// file as the options spelled out), signed preset links that stop working when the preset changes, and sessions
// created from a preset.
import { describe, expect, it } from "vitest";
import { getImageFileRoute, getImageRoute } from "../../src/images/images.routes";
import {
  deletePresetRoute,
  listPresetsRoute,
  putPresetRoute,
  renamePresetRoute,
} from "../../src/images/presets.routes";
import { createSessionRoute, startSessionRoute } from "../../src/processing/processing.routes";
import { fetchWithSettings } from "../helpers/app-with";
import { BASE_URL, call, randomIp, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bearer, bytesEqual, uploadOk } from "../helpers/images";
import { fileUrl, PHOTO, rendition, userWithPhoto } from "../options/helpers";
import { waitForStatus } from "../processing/helpers";
import { fetchLink, putEdits, type User } from "./helpers";

const json = (token: string) => ({ ...bearer(token), "Content-Type": "application/json" });

function putPreset(user: User, name: string, options: unknown) {
  return call(`/v1/presets/${name}`, {
    method: "PUT",
    headers: json(user.tokens.accessToken),
    body: JSON.stringify({ options }),
  });
}

function renamePreset(user: User, name: string, to: string) {
  return call(`/v1/presets/${name}`, {
    method: "PATCH",
    headers: json(user.tokens.accessToken),
    body: JSON.stringify({ name: to }),
  });
}

function deletePreset(user: User, name: string) {
  return call(`/v1/presets/${name}`, { method: "DELETE", headers: bearer(user.tokens.accessToken) });
}

async function listPresets(user: User) {
  return expectContract(listPresetsRoute, 200, await call("/v1/presets", { headers: bearer(user.tokens.accessToken) }));
}

/** A rendition recipe with several options, so that any one of them resolved differently changes the bytes. */
const RECIPE = {
  format: "png",
  width: 240,
  rotate: 90,
  flip: "h",
  saturation: 0.4,
  contrast: 1.2,
  border: { color: "#112233", width: 6 },
} as const;
const RECIPE_QUERY = {
  format: "png",
  width: 240,
  rotate: 90,
  flip: "h",
  saturation: 0.4,
  contrast: 1.2,
  "border.color": "#112233",
  "border.width": 6,
};

describe("presets", () => {
  it("lists the built-in ones first, marked, and protects them", async () => {
    const user = await signedInClient();
    const { items, limit } = await listPresets(user);
    expect(limit).toBe(50);
    expect(items.map((preset) => [preset.name, preset.builtIn])).toEqual([
      ["thumbnail", true],
      ["web", true],
      ["social-square", true],
    ]);
    expect(items.find((preset) => preset.name === "web")?.options).toEqual({
      format: "webp",
      width: 1600,
      quality: 80,
    });
    expect(items.find((preset) => preset.name === "social-square")?.options).toEqual({
      format: "jpeg",
      width: 1080,
      height: 1080,
      fit: "cover",
      quality: 85,
    });
    await expectContract(putPresetRoute, 409, await putPreset(user, "web", { format: "png" }));
    await expectContract(renamePresetRoute, 409, await renamePreset(user, "thumbnail", "thumb"));
    await expectContract(deletePresetRoute, 409, await deletePreset(user, "social-square"));
    await expectContract(putPresetRoute, 201, await putPreset(user, "mine", { format: "png" }));
    await expectContract(renamePresetRoute, 409, await renamePreset(user, "mine", "web"));
    expect((await listPresets(user)).items.filter((preset) => preset.builtIn)).toHaveLength(3);
  });

  it("are created, replaced, renamed (409 when the name is taken) and deleted", async () => {
    const user = await signedInClient();
    const created = await expectContract(putPresetRoute, 201, await putPreset(user, "blog-header", RECIPE));
    expect(created).toMatchObject({ name: "blog-header", builtIn: false, options: RECIPE });
    const replaced = await expectContract(
      putPresetRoute,
      200,
      await putPreset(user, "blog-header", { format: "avif" }),
    );
    expect(replaced.options).toEqual({ format: "avif" });
    expect(replaced.createdAt).toBe(created.createdAt);
    await expectContract(putPresetRoute, 201, await putPreset(user, "og", { format: "jpeg", width: 1200 }));

    await expectContract(renamePresetRoute, 409, await renamePreset(user, "blog-header", "og"));
    const renamed = await expectContract(renamePresetRoute, 200, await renamePreset(user, "blog-header", "header"));
    expect(renamed).toMatchObject({ name: "header", options: { format: "avif" } });
    await expectContract(renamePresetRoute, 404, await renamePreset(user, "blog-header", "x"));
    expect((await listPresets(user)).items.filter((p) => !p.builtIn).map((p) => p.name)).toEqual(["header", "og"]);

    await expectContract(deletePresetRoute, 204, await deletePreset(user, "header"));
    await expectContract(deletePresetRoute, 404, await deletePreset(user, "header"));
    // Another user's presets are not yours.
    const stranger = await signedInClient();
    await expectContract(deletePresetRoute, 404, await deletePreset(stranger, "og"));
    expect((await listPresets(stranger)).items.filter((p) => !p.builtIn)).toEqual([]);
  });

  it("refuses bad names and options with a 400 naming them", async () => {
    const user = await signedInClient();
    const paths = async (response: Response) =>
      (await expectContract(putPresetRoute, 400, response)).errors?.map((error) => error.path);
    expect(await paths(await putPreset(user, "Bad_Name", { format: "png" }))).toEqual(["path.name"]);
    expect(await paths(await putPreset(user, "x".repeat(41), { format: "png" }))).toEqual(["path.name"]);
    expect(await paths(await putPreset(user, "ok", { format: "webp", gravity: "auto" }))).toEqual([
      "body.options.gravity",
    ]);
    expect(await paths(await putPreset(user, "ok", { width: 100 }))).toEqual(["body.options.format"]);
    const stranger = await userWithPhoto();
    const foreign = await putPreset(user, "ok", { format: "png", watermark: { imageId: stranger.image.id } });
    await expectContract(putPresetRoute, 422, foreign);
  });

  it("at most PRESETS_PER_USER of your own, even when created all at once", async () => {
    const user = await signedInClient();
    const put = (name: string, options: unknown = { format: "webp", width: 100 }) =>
      fetchWithSettings(
        new Request(`${BASE_URL}/v1/presets/${name}`, {
          method: "PUT",
          headers: { ...json(user.tokens.accessToken), "cf-connecting-ip": randomIp() },
          body: JSON.stringify({ options }),
        }),
        { PRESETS_PER_USER: "3" },
      );
    const statuses = (await Promise.all(["a", "b", "c", "d", "e", "f", "g", "h"].map((name) => put(name)))).map(
      (response) => response.status,
    );
    expect(statuses.filter((status) => status === 201)).toHaveLength(3);
    expect(statuses.filter((status) => status === 422)).toHaveLength(5);
    const full = await expectContract(putPresetRoute, 422, await put("late"));
    expect(full.detail).toContain("PRESETS_PER_USER");
    const mine = (await listPresets(user)).items.filter((preset) => !preset.builtIn);
    expect(mine).toHaveLength(3);
    // Replacing one of them is always possible.
    await expectContract(putPresetRoute, 200, await put(mine[0]!.name, { format: "png" }));
  });
});

describe("?preset= on the file route", () => {
  it("gives the same file, byte for byte, as the same options spelled out (even made separately)", async () => {
    const a = await userWithPhoto();
    await expectContract(putPresetRoute, 201, await putPreset(a, "mine", RECIPE));
    const viaPreset = await rendition(a, a.image.id, { preset: "mine" });
    // Another user with the same photo, who makes the rendition from the explicit options.
    const b = await signedInClient();
    const image = await uploadOk(b.client, PHOTO, "chelsea.png");
    const explicit = await rendition(b, image.id, RECIPE_QUERY);
    expect(viaPreset.response.headers.get("content-type")).toBe("image/png");
    expect(viaPreset.bytes.length).toBeGreaterThan(1000);
    expect(bytesEqual(viaPreset.bytes, explicit.bytes)).toBe(true);
    expect(viaPreset.response.headers.get("etag")).toBe(explicit.response.headers.get("etag"));

    // The built-in thumbnail is the gallery thumbnail itself; on an edited image too.
    const thumbnail = await fetchLink(a.image.thumbnailUrl);
    const viaThumbnail = await rendition(a, a.image.id, { preset: "thumbnail" });
    expect(bytesEqual(viaThumbnail.bytes, thumbnail.bytes)).toBe(true);
    const edited = await putEdits(a, a.image.id, { rotate: 180 });
    const editedThumbnail = await fetchLink(edited.thumbnailUrl);
    const viaPresetEdited = await rendition(a, a.image.id, { preset: "thumbnail" });
    expect(bytesEqual(viaPresetEdited.bytes, editedThumbnail.bytes)).toBe(true);
    expect(bytesEqual(viaPresetEdited.bytes, thumbnail.bytes)).toBe(false);
  });

  it("stands alone, must exist, and says which parameter is wrong", async () => {
    const user = await userWithPhoto();
    const paths = async (query: Record<string, string | number>, status: 400 = 400) => {
      const response = await call(fileUrl(user.image.id, query), { headers: bearer(user.tokens.accessToken) });
      return (await expectContract(getImageFileRoute, status, response)).errors?.map((error) => error.path).sort();
    };
    expect(await paths({ preset: "web", width: 100 })).toEqual(["query.preset", "query.width"]);
    expect(await paths({ preset: "web", "trim.top": 3, format: "png" })).toEqual([
      "query.format",
      "query.preset",
      "query.trim.top",
    ]);
    expect(await paths({ preset: "nope" })).toEqual(["query.preset"]);
    expect(await paths({ preset: "Not_A_Name" })).toEqual(["query.preset"]);
    expect(await paths({ ph: "0123456789abcdef" })).toEqual(["query.ph"]);
    expect(await paths({ ev: 3 })).toEqual(["query.ev"]);
    const read = await call(`/v1/images/${user.image.id}?preset=nope`, { headers: bearer(user.tokens.accessToken) });
    expect((await expectContract(getImageRoute, 400, read)).errors?.map((error) => error.path)).toEqual([
      "query.preset",
    ]);
  });

  it("a signed preset link covers the preset's name and options: it stops working when the preset changes", async () => {
    const user = await userWithPhoto();
    await expectContract(putPresetRoute, 201, await putPreset(user, "card", { format: "webp", width: 120 }));
    const read = async () =>
      expectContract(
        getImageRoute,
        200,
        await call(`/v1/images/${user.image.id}?preset=card`, { headers: bearer(user.tokens.accessToken) }),
      );
    const first = (await read()).presetUrl!;
    expect(new URL(first).searchParams.get("preset")).toBe("card");
    const shown = await fetchLink(first); // no token: the signature
    expect(bytesEqual(shown.bytes, (await rendition(user, user.image.id, { preset: "card" })).bytes)).toBe(true);

    const tampered = new URL(first);
    tampered.searchParams.set("ph", (tampered.searchParams.get("ph")!.startsWith("0") ? "1" : "0").padEnd(16, "0"));
    expect((await call(tampered.toString())).status).toBe(403);
    const otherPreset = new URL(first);
    otherPreset.searchParams.set("preset", "web");
    expect((await call(otherPreset.toString())).status).toBe(403);

    await expectContract(putPresetRoute, 200, await putPreset(user, "card", { format: "webp", width: 60 }));
    const stale = await call(first);
    expect((await expectContract(getImageFileRoute, 403, stale)).detail).toContain("`card` has changed");
    const second = (await read()).presetUrl!;
    expect(second).not.toBe(first);
    expect((await fetchLink(second)).bytes.length).toBeLessThan(shown.bytes.length);
    // Put back as it was: the first link shows what it was made for again.
    await expectContract(putPresetRoute, 200, await putPreset(user, "card", { format: "webp", width: 120 }));
    expect(bytesEqual((await fetchLink(first)).bytes, shown.bytes)).toBe(true);
  });
});

describe("a processing session from a preset", () => {
  it("takes the preset's options as its output, and converts each image to the same file as ?preset=", async () => {
    const user = await userWithPhoto();
    await expectContract(putPresetRoute, 201, await putPreset(user, "mine", RECIPE));
    const create = (body: unknown) =>
      call("/v1/processing-sessions", {
        method: "POST",
        headers: json(user.tokens.accessToken),
        body: JSON.stringify(body),
      });
    const draft = await expectContract(
      createSessionRoute,
      201,
      await create({ imageIds: [user.image.id], preset: "mine" }),
    );
    expect(draft.output).toEqual(RECIPE);
    // A later change of the preset does not change the session.
    await expectContract(putPresetRoute, 200, await putPreset(user, "mine", { format: "jpeg" }));
    await expectContract(
      startSessionRoute,
      200,
      await call(`/v1/processing-sessions/${draft.id}/start`, {
        method: "POST",
        headers: bearer(user.tokens.accessToken),
      }),
    );
    const done = await waitForStatus(user.client, draft.id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.output).toEqual(RECIPE);
    const converted = await fetchLink(done.items[0]!.rendition!.url);
    await expectContract(putPresetRoute, 200, await putPreset(user, "mine", RECIPE));
    const viaPreset = await rendition(user, user.image.id, { preset: "mine" });
    expect(bytesEqual(converted.bytes, viaPreset.bytes)).toBe(true);

    const paths = async (body: unknown) =>
      (await expectContract(createSessionRoute, 400, await create(body))).errors?.map((error) => error.path).sort();
    expect(await paths({ imageIds: [user.image.id], preset: "nope" })).toEqual(["body.preset"]);
    expect(await paths({ imageIds: [user.image.id], preset: "web", output: { format: "png" } })).toEqual([
      "body.output",
      "body.preset",
    ]);
    expect(await paths({ imageIds: [user.image.id] })).toEqual(["body.output", "body.preset"]);
    const builtIn = await expectContract(
      createSessionRoute,
      201,
      await create({ imageIds: [user.image.id], preset: "social-square" }),
    );
    expect(builtIn.output).toMatchObject({ format: "jpeg", width: 1080, height: 1080, fit: "cover" });
  });
});
