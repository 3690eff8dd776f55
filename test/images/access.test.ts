import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  deleteImageRoute as deleteImage,
  getImageRoute as getImage,
  getImageFileRoute as getImageFile,
  listImagesRoute as listImages,
  updateImageTagsRoute as patchImageTags,
  retagImageRoute as retagImage,
  searchImagesRoute as searchImages,
} from "../../src/images/images.routes";
import { signFileUrl } from "../../src/images/signed-url";
import { originalKey } from "../../src/images/store/image-objects";
import { listTagsRoute as listTags } from "../../src/images/tags.routes";
import { call, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bearer, countTagRows, expectFile, uniqueImage, uploadLabelled } from "../helpers/images";

function withParam(url: string, name: string, value: string | null): string {
  const parsed = new URL(url, "http://x");
  if (value === null) parsed.searchParams.delete(name);
  else parsed.searchParams.set(name, value);
  return `${parsed.pathname}${parsed.search}`;
}

describe("another user's image is invisible (IDOR)", () => {
  it("B gets 404 for get, file, PATCH tags, retag and delete of A's image; B's list, search and tags exclude it; A's image is intact", async () => {
    const a = await signedInClient();
    const b = await signedInClient();
    const bytes = uniqueImage("tiny.png");
    const image = await uploadLabelled(a.client, bytes, [{ label: "AARDVARK", score: 0.7 }]);
    const mine = await uploadLabelled(b.client, uniqueImage("tiny.gif"), [{ label: "BADGER", score: 0.7 }]);
    const id = image.id;
    const params = { params: { path: { id } } };
    const callsBefore = await env.AI_STUB.calls(image.sha256);

    await expectContract(getImage, 404, await b.client.GET("/v1/images/{id}", params));
    await expectContract(
      getImageFile,
      404,
      await call(`/v1/images/${id}/file`, { headers: bearer(b.tokens.accessToken) }),
    );
    await expectContract(
      patchImageTags,
      404,
      await b.client.PATCH("/v1/images/{id}/tags", { ...params, body: { add: ["pwned"], remove: ["aardvark"] } }),
    );
    await expectContract(retagImage, 404, await b.client.POST("/v1/images/{id}/retag", params));
    await expectContract(deleteImage, 404, await b.client.DELETE("/v1/images/{id}", params));

    const list = await expectContract(listImages, 200, await b.client.GET("/v1/images"));
    expect(list.items.map((i) => i.id)).toEqual([mine.id]);
    const search = await expectContract(
      searchImages,
      200,
      await b.client.GET("/v1/images/search", { params: { query: { q: "aardvark badger", match: "any" } } }),
    );
    expect(search.items.map((i) => i.id)).toEqual([mine.id]);
    const tags = await expectContract(listTags, 200, await b.client.GET("/v1/tags"));
    expect(tags.items).toEqual([{ label: "badger", count: 1 }]);

    // A's image is untouched: tags, object, row, no extra tagger run.
    const got = await expectContract(getImage, 200, await a.client.GET("/v1/images/{id}", params));
    expect(got.tags).toEqual([{ label: "aardvark", score: 0.7, source: "ai", model: "@cf/microsoft/resnet-50" }]);
    expect(await countTagRows(a.user.id, id)).toBe(1);
    expect(await env.BUCKET.head(originalKey(a.user.id, image.sha256))).not.toBeNull();
    expect(await expectFile(200, await call(got.url))).toEqual(bytes);
    expect(await env.AI_STUB.calls(image.sha256)).toBe(callsBefore);
    const aTags = await expectContract(listTags, 200, await a.client.GET("/v1/tags"));
    expect(aTags.items).toEqual([{ label: "aardvark", count: 1 }]);
  });

  it("A's signed url with uid changed to B's id is 403; B's bearer on A's file path without sig is 404", async () => {
    const a = await signedInClient();
    const b = await signedInClient();
    const image = await uploadLabelled(a.client, uniqueImage("tiny.jpg"), [{ label: "OTTER", score: 0.5 }]);
    await expectContract(getImageFile, 403, await call(withParam(image.url, "uid", b.user.id)));
    const noSig = withParam(image.url, "sig", null);
    await expectContract(getImageFile, 404, await call(noSig, { headers: bearer(b.tokens.accessToken) }));
    // B signing a url for A's image with B's own identity still finds nothing: the owner is part of the lookup.
    const forged = await signFileUrl(env.URL_SIGNING_SECRET, image.id, b.user.id, 3600);
    await expectContract(getImageFile, 404, await call(forged.path));
  });
});

describe("signed urls", () => {
  it("a tampered signature is 403", async () => {
    const { client } = await signedInClient();
    const image = await uploadLabelled(client, uniqueImage("tiny.gif"), [{ label: "FOX", score: 0.5 }]);
    const sig = new URL(image.url, "http://x").searchParams.get("sig")!;
    const flipped = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
    await expectContract(getImageFile, 403, await call(withParam(image.url, "sig", flipped)));
    await expectContract(getImageFile, 403, await call(withParam(image.url, "sig", "not base64url!")));
    await expectContract(getImageFile, 403, await call(withParam(image.url, "sig", sig.slice(0, -4))));
    // The same MAC spelled differently (the last character's spare low bits changed) is not the issued link.
    const last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const index = last.indexOf(sig.at(-1)!);
    const respelled = sig.slice(0, -1) + last[index ^ 1];
    await expectContract(getImageFile, 403, await call(withParam(image.url, "sig", respelled)));
  });

  it("a later exp with the original signature is 403", async () => {
    const { client } = await signedInClient();
    const image = await uploadLabelled(client, uniqueImage("tiny.png"), [{ label: "FOX", score: 0.5 }]);
    const exp = Number(new URL(image.url, "http://x").searchParams.get("exp"));
    await expectContract(getImageFile, 403, await call(withParam(image.url, "exp", String(exp + 86400 * 365))));
    await expectContract(getImageFile, 403, await call(withParam(image.url, "exp", "soon")));
  });

  it("exp is valid only as issued: hex, exponent, decimal point, leading zero, sign or spaces are 403 invalid", async () => {
    const { client } = await signedInClient();
    const image = await uploadLabelled(client, uniqueImage("tiny.png"), [{ label: "FOX", score: 0.5 }]);
    const issued = new URL(image.url, "http://x").searchParams.get("exp")!;
    const exp = Number(issued);
    const respellings = [`0x${exp.toString(16)}`, exp.toExponential(), `${exp}.0`, `0${exp}`, `+${exp}`, ` ${exp}`];
    for (const spelling of respellings) {
      expect(Number(spelling), spelling).toBe(exp); // the same number: only the spelling differs
      const problem = await expectContract(getImageFile, 403, await call(withParam(image.url, "exp", spelling)));
      expect(problem.detail, spelling).toMatch(/not valid/);
    }
    await expectFile(200, await call(withParam(image.url, "exp", issued)));
  });

  it("a signed link outlives the login that fetched it, until its own expiry (docs/auth-and-security.md)", async () => {
    const { client } = await signedInClient();
    const image = await uploadLabelled(client, uniqueImage("tiny.png"), [{ label: "FOX", score: 0.5 }]);
    await client.POST("/v1/auth/logout");
    await expectFile(200, await call(image.url));
    expect(Date.parse(image.urlExpiresAt) - Date.now()).toBeLessThanOrEqual((3600 + 900) * 1000);
  });

  it("a correctly signed url whose exp has passed is 403", async () => {
    const { client, user } = await signedInClient();
    const image = await uploadLabelled(client, uniqueImage("tiny.png"), [{ label: "FOX", score: 0.5 }]);
    const expired = await signFileUrl(env.URL_SIGNING_SECRET, image.id, user.id, 60, Date.now() - 7 * 24 * 3600 * 1000);
    expect(expired.expiresAt.getTime()).toBeLessThan(Date.now());
    const problem = await expectContract(getImageFile, 403, await call(expired.path));
    expect(problem.detail).toMatch(/expired/i);
    // The same parameters freshly signed work, so the 403 is the expiry and nothing else.
    const fresh = await signFileUrl(env.URL_SIGNING_SECRET, image.id, user.id, 60);
    await expectFile(200, await call(fresh.path));
  });

  it("neither a signature nor a bearer token is 401; a bad bearer token is 401", async () => {
    const { client } = await signedInClient();
    const image = await uploadLabelled(client, uniqueImage("tiny.jpg"), [{ label: "FOX", score: 0.5 }]);
    await expectContract(getImageFile, 401, await call(`/v1/images/${image.id}/file`));
    await expectContract(getImageFile, 401, await call(withParam(image.url, "sig", null)));
    await expectContract(
      getImageFile,
      401,
      await call(`/v1/images/${image.id}/file`, { headers: bearer("garbage.token.here") }),
    );
  });

  it("a signed url grants exactly one image: another image id with the same query is 403", async () => {
    const { client } = await signedInClient();
    const one = await uploadLabelled(client, uniqueImage("tiny.png"), [{ label: "FOX", score: 0.5 }]);
    const two = await uploadLabelled(client, uniqueImage("tiny.gif"), [{ label: "FOX", score: 0.5 }]);
    const query = new URL(one.url, "http://x").search;
    await expectContract(getImageFile, 403, await call(`/v1/images/${two.id}/file${query}`));
  });

  it("protected image routes refuse requests without a token", async () => {
    const { client } = await signedInClient();
    const image = await uploadLabelled(client, uniqueImage("tiny.png"), [{ label: "FOX", score: 0.5 }]);
    await expectContract(listImages, 401, await call("/v1/images"));
    await expectContract(getImage, 401, await call(`/v1/images/${image.id}`));
    await expectContract(searchImages, 401, await call("/v1/images/search?q=fox"));
    await expectContract(retagImage, 401, await call(`/v1/images/${image.id}/retag`, { method: "POST" }));
    await expectContract(deleteImage, 401, await call(`/v1/images/${image.id}`, { method: "DELETE" }));
    await expectContract(
      patchImageTags,
      401,
      await call(`/v1/images/${image.id}/tags`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: '{"add":["x"]}',
      }),
    );
    await expectContract(listTags, 401, await call("/v1/tags"));
  });
});
