import { env } from "cloudflare:workers";
import { expect, it, vi } from "vitest";
import { uploadImage } from "../src/routes/images/images.routes";
import { fixtureBytes } from "./fixtures";
import { signedInClient } from "./helpers/client";
import { expectContract } from "./helpers/contract";

it("uploads and tags an image", async () => {
  const { client } = await signedInClient();
  const form = new FormData();
  form.append("file", new File([fixtureBytes("tiny.png")], "cat.png", { type: "image/png" }));
  const result = await client.POST("/v1/images", { body: form as never });
  const image = await expectContract(uploadImage, 201, result);
  expect(image.tagError).toBeNull();
  expect(image.tags.map((t) => t.label)).toEqual(["tabby", "tiger cat", "egyptian cat"]);
});

it("a forced D1 failure leaves no object", async () => {
  const { client } = await signedInClient();
  const spy = vi.spyOn(env.DB, "batch").mockRejectedValueOnce(new Error("D1 is down"));
  const form = new FormData();
  form.append("file", new File([fixtureBytes("tiny.gif")], "x.gif"));
  const result = await client.POST("/v1/images", { body: form as never });
  expect(result.response.status).toBe(500);
  expect(spy).toHaveBeenCalled();
  spy.mockRestore();
});
