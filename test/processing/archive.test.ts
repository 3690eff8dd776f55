import { describe, expect, it } from "vitest";
import * as routes from "../../src/processing/processing.routes";
import { call, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bearer } from "../helpers/images";
import { unzipStored, uploadPhotos, waitForStatus } from "./helpers";

describe("the archive lists what it leaves out", () => {
  it("an image deleted after its item was converted: 2 files for done: 3, and omitted.txt names the third and why", async () => {
    const { client, tokens } = await signedInClient();
    const imageIds = await uploadPhotos(client, 3);
    const draft = expectContract(
      routes.createSessionRoute,
      201,
      await client.POST("/v1/processing-sessions", {
        body: { imageIds, output: { format: "webp", width: 200 } },
      }),
    );
    const { id } = await draft;
    await client.POST("/v1/processing-sessions/{id}/start", { params: { path: { id } } });
    const done = await waitForStatus(client, id, ["completed"]);
    expect(done.progress).toEqual({ done: 3, failed: 0, total: 3 });
    await client.DELETE("/v1/images/{id}", { params: { path: { id: imageIds[1]! } } });

    const archive = await call(`/v1/processing-sessions/${id}/archive`, { headers: bearer(tokens.accessToken) });
    expect(archive.status).toBe(200);
    const entries = unzipStored(new Uint8Array(await archive.arrayBuffer()));
    expect([...entries.keys()]).toHaveLength(3);
    expect([...entries.keys()].filter((name) => name.endsWith(".webp"))).toHaveLength(2);
    const omitted = new TextDecoder().decode(entries.get("omitted.txt"));
    expect(omitted).toBe(`${imageIds[1]}\tits image was deleted after it was converted\n`);
  });

  it("a watermark deleted after the items were converted: their files went with it, and omitted.txt says so", async () => {
    const { client, tokens } = await signedInClient();
    const [first, second, mark] = await uploadPhotos(client, 3);
    const { id } = await expectContract(
      routes.createSessionRoute,
      201,
      await client.POST("/v1/processing-sessions", {
        body: { imageIds: [first!, second!], output: { format: "png", width: 120, watermark: { imageId: mark! } } },
      }),
    );
    await client.POST("/v1/processing-sessions/{id}/start", { params: { path: { id } } });
    expect((await waitForStatus(client, id, ["completed"])).progress).toEqual({ done: 2, failed: 0, total: 2 });
    await client.DELETE("/v1/images/{id}", { params: { path: { id: mark! } } });

    const archive = await call(`/v1/processing-sessions/${id}/archive`, { headers: bearer(tokens.accessToken) });
    expect(archive.status).toBe(200);
    const entries = unzipStored(new Uint8Array(await archive.arrayBuffer()));
    expect([...entries.keys()]).toEqual(["omitted.txt"]);
    const reason = "the image drawn on it as a watermark was deleted after it was converted";
    expect(new TextDecoder().decode(entries.get("omitted.txt"))).toBe(`${first}\t${reason}\n${second}\t${reason}\n`);
  });

  it("a session whose every item has its file has no omitted.txt; a failed item is listed with its reason", async () => {
    const { client, tokens } = await signedInClient();
    const imageIds = await uploadPhotos(client, 2);
    const create = async (ids: string[]) => {
      const session = await expectContract(
        routes.createSessionRoute,
        201,
        await client.POST("/v1/processing-sessions", { body: { imageIds: ids, output: { format: "png" } } }),
      );
      await client.POST("/v1/processing-sessions/{id}/start", { params: { path: { id: session.id } } });
      return session.id;
    };
    const whole = await create(imageIds);
    await waitForStatus(client, whole, ["completed"]);
    const read = async (id: string) =>
      unzipStored(
        new Uint8Array(
          await (
            await call(`/v1/processing-sessions/${id}/archive`, { headers: bearer(tokens.accessToken) })
          ).arrayBuffer(),
        ),
      );
    expect([...(await read(whole)).keys()].sort()).toEqual(["photo (2).png", "photo.png"]);

    // One item's image deleted before its turn: it fails, and the archive says so.
    const [kept, gone] = await uploadPhotos(client, 2);
    const partial = await expectContract(
      routes.createSessionRoute,
      201,
      await client.POST("/v1/processing-sessions", { body: { imageIds: [kept!, gone!], output: { format: "png" } } }),
    );
    await client.DELETE("/v1/images/{id}", { params: { path: { id: gone! } } });
    await client.POST("/v1/processing-sessions/{id}/start", { params: { path: { id: partial.id } } });
    await waitForStatus(client, partial.id, ["completed"]);
    const entries = await read(partial.id);
    expect([...entries.keys()]).toEqual(["photo.png", "omitted.txt"]);
    expect(new TextDecoder().decode(entries.get("omitted.txt"))).toMatch(
      new RegExp(`^${gone}\\tnot converted: The image was deleted before it was converted\\.\\n$`),
    );
  });
});
