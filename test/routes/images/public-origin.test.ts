import { describe, expect, it } from "vitest";
import { uploadImageRoute as uploadImage } from "../../../src/images/images.routes";
import { ProblemSchema } from "../../../src/routes/problem";
import { fetchWithSettings } from "../../helpers/app-with";
import { call, signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import { uniqueImage, uploadForm } from "../../helpers/images";

function fetchWithPublicOrigin(origin: string, request: Request): Promise<Response> {
  return fetchWithSettings(request, { PUBLIC_API_ORIGIN: origin });
}

describe("absolute URLs", () => {
  it("image urls use PUBLIC_API_ORIGIN when it is set, and so do problem types", async () => {
    const { tokens } = await signedInClient();
    const upload = await fetchWithPublicOrigin(
      "https://api.imagify.example/ignored/path",
      new Request("http://internal.worker/v1/images", {
        method: "POST",
        headers: { Authorization: `Bearer ${tokens.accessToken}`, "cf-connecting-ip": "10.9.9.9" },
        body: uploadForm(uniqueImage("tiny.png")),
      }),
    );
    const image = await expectContract(uploadImage, 201, upload);
    expect(image.url.startsWith(`https://api.imagify.example/v1/images/${image.id}/file?`)).toBe(true);

    const problem = ProblemSchema.parse(
      await (
        await fetchWithPublicOrigin("https://api.imagify.example", new Request("http://internal.worker/v1/me"))
      ).json(),
    );
    expect(problem.type).toBe("https://api.imagify.example/problems/unauthorized");
  });

  it("without it, an image url is absolute on the request's origin and loads with no other header", async () => {
    const { client } = await signedInClient();
    const bytes = uniqueImage("tiny.jpg");
    const image = await expectContract(
      uploadImage,
      201,
      await client.POST("/v1/images", { body: uploadForm(bytes) as never }),
    );
    expect(new URL(image.url).origin).toBe("http://api.imagify.test");
    const file = await call(image.url);
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
  });
});
