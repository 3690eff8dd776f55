import { describe, expect, it } from "vitest";
import type { ImagifyClient } from "../../../openapi/client";
import { getImageFileRoute as getImageFile, uploadImageRoute as uploadImage } from "../../../src/images/images.routes";
import { call, signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import { expectFile, listObjectKeys, postImage, uniqueImage, uploadOk } from "../../helpers/images";

/** A multipart body with one `file` part whose Content-Disposition filename parameter is given verbatim. */
function rawMultipart(filenameParam: string, bytes: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(
    `--BOUNDARY\r\nContent-Disposition: form-data; name="file"; ${filenameParam}\r\nContent-Type: image/png\r\n\r\n`,
  );
  const tail = new TextEncoder().encode("\r\n--BOUNDARY--\r\n");
  const out = new Uint8Array(head.length + bytes.length + tail.length);
  out.set(head, 0);
  out.set(bytes, head.length);
  out.set(tail, head.length + bytes.length);
  return out;
}

async function setup(client: ImagifyClient) {
  const bytes = uniqueImage("wide.png", 40);
  const image = await uploadOk(client, bytes, "photo.jpg", "image/jpeg");
  return { bytes, image };
}

describe("file route headers", () => {
  it("serves the detected type (a PNG claimed as image/jpeg with a .jpg name is image/png) with safe headers", async () => {
    const { client } = await signedInClient();
    const { bytes, image } = await setup(client);
    expect(image.contentType).toBe("image/png");
    const res = await call(image.url);
    const body = await expectFile(200, res);
    expect(body).toEqual(bytes);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("etag")).toBe(`"${image.sha256}"`);
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("content-length")).toBe(String(bytes.length));
    expect(res.headers.get("content-disposition")).toMatch(/^inline; filename="photo\.png"/);
  });

  it("the file's Content-Security-Policy contains sandbox (a served image can never run as a document)", async () => {
    const { client } = await signedInClient();
    const { image } = await setup(client);
    const res = await call(image.url);
    await expectFile(200, res);
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
    const ranged = await call(image.url, { headers: { Range: "bytes=0-1" } });
    await expectFile(206, ranged);
    expect(ranged.headers.get("content-security-policy")).toContain("sandbox");
  });

  it("the file is served with Cross-Origin-Resource-Policy: cross-origin, so <img src> works from the web app", async () => {
    const { client } = await signedInClient();
    const { image } = await setup(client);
    const res = await call(image.url);
    await expectFile(200, res);
    expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
  });

  it("a hostile filename is stored without path, quotes or control characters and echoed safely in Content-Disposition", async () => {
    const { tokens } = await signedInClient();
    // Hand-built multipart: workerd's FormData serialiser writes a raw CR into the part header, so a client-side
    // FormData cannot carry this name. These are the forms an attacker can actually get through a multipart parser:
    // a browser-style escaped name, and a quoted-string with backslash escapes (parsed as ..\..\evil"X: y.png).
    const variants = [
      'filename="../../evil%22%0D%0AX: y.png"',
      'filename="..\\\\..\\\\evil\\"X: y.png"',
      'filename="/etc/passwd"',
    ];
    for (const disposition of variants) {
      const bytes = uniqueImage("tiny.png");
      const res = await call("/v1/images", {
        method: "POST",
        headers: {
          Authorization: `Bearer ${tokens.accessToken}`,
          "Content-Type": "multipart/form-data; boundary=BOUNDARY",
        },
        body: rawMultipart(disposition, bytes),
      });
      const image = await expectContract(uploadImage, 201, res);
      expect(image.filename, disposition).not.toMatch(/[\r\n"\\/\u0000-\u001f]/);
      expect(image.filename, disposition).not.toContain("..");
      expect(image.filename.length).toBeGreaterThan(0);

      const file = await call(image.url);
      await expectFile(200, file);
      expect(file.headers.get("x")).toBeNull();
      const header = file.headers.get("content-disposition") ?? "";
      expect(header).not.toMatch(/[\r\n]/);
      const match = /^inline; filename="([^"]*)"; filename\*=UTF-8''([^\s;"]+)$/.exec(header);
      expect(match, header).not.toBeNull();
      const [, ascii, encoded] = match!;
      expect(ascii).not.toMatch(/[\\/"]/);
      expect(decodeURIComponent(encoded!)).toBe(image.filename);
    }
  });

  it("a FormData filename with CR/LF/quote is either stored with a safe name or refused with a 4xx, never 5xx", async () => {
    const { client, user } = await signedInClient();
    const result = await postImage(client, uniqueImage("tiny.png"), '../../evil"\r\nX: y.png', "image/png");
    if (result.response.status === 201) {
      const image = await expectContract(uploadImage, 201, result);
      expect(image.filename).not.toMatch(/[\r\n"\\/]/);
    } else {
      await expectContract(uploadImage, 400, result);
      expect(await listObjectKeys(user.id)).toEqual([]);
    }
  });

  it("a non-ASCII filename keeps its exact name in filename* and an ASCII fallback", async () => {
    const { client } = await signedInClient();
    const image = await uploadOk(client, uniqueImage("tiny.png"), "café 😺.png", "image/png");
    expect(image.filename).toBe("café 😺.png");
    const res = await call(image.url);
    await expectFile(200, res);
    const disposition = res.headers.get("content-disposition") ?? "";
    expect(disposition).toMatch(/^inline; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
    expect(decodeURIComponent(disposition.split("filename*=UTF-8''")[1]!)).toBe("café 😺.png");
  });

  it("a filename that is only a path falls back to image.<detected extension>", async () => {
    const { client } = await signedInClient();
    const image = await uploadOk(client, uniqueImage("tiny.gif"), "../..", "image/png");
    expect(image.filename).toBe("image.gif");
  });

  it("If-None-Match with the ETag is 304 with no body; a different ETag gets the file", async () => {
    const { client } = await signedInClient();
    const { bytes, image } = await setup(client);
    const etag = `"${image.sha256}"`;
    const notModified = await call(image.url, { headers: { "If-None-Match": etag } });
    await expectContract(getImageFile, 304, notModified);
    expect(notModified.headers.get("etag")).toBe(etag);
    expect(await call(image.url, { headers: { "If-None-Match": `W/${etag}` } }).then((r) => r.status)).toBe(304);
    expect(await call(image.url, { headers: { "If-None-Match": `"other", ${etag}` } }).then((r) => r.status)).toBe(304);
    const changed = await call(image.url, { headers: { "If-None-Match": '"something-else"' } });
    expect(await expectFile(200, changed)).toEqual(bytes);
  });

  it("Range bytes=0-9 is 206 with Content-Range and exactly those bytes", async () => {
    const { client } = await signedInClient();
    const { bytes, image } = await setup(client);
    const res = await call(image.url, { headers: { Range: "bytes=0-9" } });
    const body = await expectFile(206, res);
    expect(res.headers.get("content-range")).toBe(`bytes 0-9/${bytes.length}`);
    expect(res.headers.get("content-length")).toBe("10");
    expect(body).toEqual(bytes.slice(0, 10));
  });

  it("a middle range and an open-ended range return the right slices", async () => {
    const { client } = await signedInClient();
    const { bytes, image } = await setup(client);
    const mid = await call(image.url, { headers: { Range: "bytes=20-29" } });
    expect(await expectFile(206, mid)).toEqual(bytes.slice(20, 30));
    expect(mid.headers.get("content-range")).toBe(`bytes 20-29/${bytes.length}`);
    const open = await call(image.url, { headers: { Range: "bytes=100-" } });
    expect(await expectFile(206, open)).toEqual(bytes.slice(100));
    expect(open.headers.get("content-range")).toBe(`bytes 100-${bytes.length - 1}/${bytes.length}`);
    const past = await call(image.url, { headers: { Range: `bytes=0-${bytes.length + 1000}` } });
    expect(await expectFile(206, past)).toEqual(bytes);
    expect(past.headers.get("content-range")).toBe(`bytes 0-${bytes.length - 1}/${bytes.length}`);
  });

  it("a suffix range bytes=-5 returns the last 5 bytes", async () => {
    const { client } = await signedInClient();
    const { bytes, image } = await setup(client);
    const res = await call(image.url, { headers: { Range: "bytes=-5" } });
    expect(await expectFile(206, res)).toEqual(bytes.slice(-5));
    expect(res.headers.get("content-range")).toBe(`bytes ${bytes.length - 5}-${bytes.length - 1}/${bytes.length}`);
  });

  it("a range starting at the size is 416 with Content-Range bytes */size", async () => {
    const { client } = await signedInClient();
    const { bytes, image } = await setup(client);
    const res = await call(image.url, { headers: { Range: `bytes=${bytes.length}-` } });
    const contentRange = res.headers.get("content-range");
    const problem = await expectContract(getImageFile, 416, res);
    expect(problem.status).toBe(416);
    expect(contentRange).toBe(`bytes */${bytes.length}`);
    const zeroSuffix = await call(image.url, { headers: { Range: "bytes=-0" } });
    await expectContract(getImageFile, 416, zeroSuffix);
  });

  it("malformed and multi-part ranges are answered with the whole file", async () => {
    const { client } = await signedInClient();
    const { bytes, image } = await setup(client);
    for (const range of ["bytes=abc", "bytes=9-0", "items=0-9", "bytes=0-1,4-5", "bytes=-", "garbage"]) {
      const res = await call(image.url, { headers: { Range: range } });
      expect(await expectFile(200, res), range).toEqual(bytes);
      expect(res.headers.get("content-range"), range).toBeNull();
    }
  });
});
