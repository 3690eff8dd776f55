// Images stored before orientation was read hold their stored dimensions (migrations/0008 marks them); the cron's
// backfill re-reads their headers and records the dimensions as shown.
import { env } from "cloudflare:workers";
import { expect, inject, it } from "vitest";
import { uploadImageRoute } from "../../src/images/images.routes";
import { createServices } from "../../src/services";
import { signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { postImage } from "../helpers/images";

const photos = inject("phonePhotos");
const decode = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

it("the backfill turns the stored dimensions of an EXIF-rotated photo into the shown ones, once", async () => {
  const { client } = await signedInClient();
  const image = await expectContract(
    uploadImageRoute,
    201,
    await postImage(client, decode(photos.oriented[6]!), "old.jpg"),
  );
  // As a row written before migrations/0008 holds it: the stored (sideways) size, not yet checked.
  await env.DB.prepare("UPDATE images SET width = 300, height = 451, geometry_checked = 0 WHERE id = ?1")
    .bind(image.id)
    .run();

  const checked = await createServices(env).images.backfillGeometry();
  expect(checked).toBeGreaterThanOrEqual(1);
  const row = await env.DB.prepare("SELECT width, height, geometry_checked FROM images WHERE id = ?1")
    .bind(image.id)
    .first();
  expect(row).toEqual({ width: 451, height: 300, geometry_checked: 1 });
  const again = await client.GET("/v1/images/{id}", { params: { path: { id: image.id } } });
  expect({ width: again.data?.width, height: again.data?.height }).toEqual({ width: 451, height: 300 });
});
