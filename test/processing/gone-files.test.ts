// A session's converted files follow their images: an edit, a delete, or deleting the watermark an output draws takes
// them away. The session's view says which item's file is gone and why (`rendition.gone`), and the archive agrees.
import { describe, expect, it } from "vitest";
import * as routes from "../../src/processing/processing.routes";
import { call, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bearer } from "../helpers/images";
import { readSession, unzipStored, uploadPhotos, waitForStatus } from "./helpers";

type Client = Awaited<ReturnType<typeof signedInClient>>["client"];

/** Width and height from a PNG's IHDR: what the file is, whatever the session says of it. */
function pngSize(bytes: Uint8Array): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

async function convert(client: Client, imageIds: string[], output: object) {
  const { id } = await expectContract(
    routes.createSessionRoute,
    201,
    await client.POST("/v1/processing-sessions", { body: { imageIds, output: output as never } }),
  );
  await client.POST("/v1/processing-sessions/{id}/start", { params: { path: { id } } });
  const done = await waitForStatus(client, id, ["completed"]);
  expect(done.progress).toEqual({ done: imageIds.length, failed: 0, total: imageIds.length });
  expect(done.items.map((item) => item.rendition?.gone)).toEqual(imageIds.map(() => null));
  return done;
}

const itemOf = (session: Awaited<ReturnType<typeof readSession>>, imageId: string) =>
  session.items.find((item) => item.imageId === imageId)!;

describe("what became of a session's files", () => {
  it("an edited image: `edited`, its link shows the edited picture; a deleted image: `imageDeleted`, 404", async () => {
    const { client, tokens } = await signedInClient();
    const [turned, deleted, kept] = await uploadPhotos(client, 3);
    const session = await convert(client, [turned!, deleted!, kept!], { format: "png", width: 120 });
    const before = itemOf(session, turned!).rendition!;
    expect([before.width, before.height]).toEqual([120, 90]);

    const edit = await client.PUT("/v1/images/{id}/edits", { params: { path: { id: turned! } }, body: { rotate: 90 } });
    expect(edit.response.status).toBe(200);
    await client.DELETE("/v1/images/{id}", { params: { path: { id: deleted! } } });

    const after = await readSession(client, session.id);
    expect(after.items.map((item) => [item.imageId, item.rendition?.gone])).toEqual([
      [turned, "edited"],
      [deleted, "imageDeleted"],
      [kept, null],
    ]);
    // The numbers still describe the file that was made; the link now makes the edited picture, upright a quarter on.
    const edited = itemOf(after, turned!).rendition!;
    expect([edited.width, edited.height, edited.url]).toEqual([120, 90, before.url]);
    const shown = await call(edited.url);
    expect(shown.status).toBe(200);
    expect(pngSize(new Uint8Array(await shown.arrayBuffer()))).toEqual([120, 160]);
    expect((await call(itemOf(after, deleted!).rendition!.url)).status).toBe(404);
    const kept200 = await call(itemOf(after, kept!).rendition!.url);
    expect(pngSize(new Uint8Array(await kept200.arrayBuffer()))).toEqual([120, 90]);

    // The list says the same, and the archive leaves both out, saying why.
    const listed = expectContract(
      routes.listSessionsRoute,
      200,
      await client.GET("/v1/processing-sessions", { params: { query: {} } }),
    );
    const inList = (await listed).items.find((item) => item.id === session.id)!;
    expect(inList.items.map((item) => item.rendition?.gone)).toEqual(["edited", "imageDeleted", null]);
    const archive = await call(`/v1/processing-sessions/${session.id}/archive`, {
      headers: bearer(tokens.accessToken),
    });
    const entries = unzipStored(new Uint8Array(await archive.arrayBuffer()));
    expect([...entries.keys()]).toEqual(["photo.png", "omitted.txt"]);
    expect(pngSize(entries.get("photo.png")!)).toEqual([120, 90]);
    expect(new TextDecoder().decode(entries.get("omitted.txt"))).toBe(
      `${turned}\tits image was edited after it was converted (convert it again for the edited picture)\n` +
        `${deleted}\tits image was deleted after it was converted\n`,
    );
  });

  it("a deleted watermark: every item `watermarkDeleted`, their links 404", async () => {
    const { client } = await signedInClient();
    const [first, second, mark] = await uploadPhotos(client, 3);
    const output = { format: "png", width: 120, watermark: { imageId: mark! } };
    const session = await convert(client, [first!, second!], output);
    await client.DELETE("/v1/images/{id}", { params: { path: { id: mark! } } });

    const after = await readSession(client, session.id);
    expect(after.items.map((item) => item.rendition?.gone)).toEqual(["watermarkDeleted", "watermarkDeleted"]);
    for (const item of after.items) expect((await call(item.rendition!.url)).status).toBe(404);
  });
});
