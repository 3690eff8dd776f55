// Served file names (issue 16, item 7): the name a download gets is the detected type's, carries no control, format
// or bidi characters, is cut on a character boundary, and is the same in the upload's answer and every later read.
import { describe, expect, it } from "vitest";
import { getImageRoute as getImage, uploadImageRoute as uploadImage } from "../../src/images/images.routes";
import { fixtureBytes } from "../fixtures";
import { call, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { expectFile, postImage, uniqueImage } from "../helpers/images";

type Client = Awaited<ReturnType<typeof signedInClient>>["client"];

async function upload(client: Client, bytes: Uint8Array, filename: string, type = "application/octet-stream") {
  return expectContract(uploadImage, 201, await postImage(client, bytes, filename, type));
}

async function readBack(client: Client, id: string) {
  return expectContract(getImage, 200, await client.GET("/v1/images/{id}", { params: { path: { id } } }));
}

/** The name a Content-Disposition header gives (its exact, RFC 5987 form). */
function dispositionName(header: string | null): string {
  return decodeURIComponent(/filename\*=UTF-8''([^\s;]+)/.exec(header ?? "")?.[1] ?? "");
}

function withDownload(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("download", "1");
  return `${parsed.pathname}${parsed.search}`;
}

describe("served names", () => {
  it("a JPEG+HTML polyglot uploaded as gallery.html is stored and downloaded as gallery.jpg, image/jpeg", async () => {
    const { client } = await signedInClient();
    const html = new TextEncoder().encode("<html><body><script>alert(document.cookie)</script></body></html>");
    const jpeg = uniqueImage("tiny.jpg");
    const polyglot = new Uint8Array(jpeg.length + html.length);
    polyglot.set(jpeg);
    polyglot.set(html, jpeg.length);

    const image = await upload(client, polyglot, "gallery.html", "text/html");
    expect(image.contentType).toBe("image/jpeg");
    expect(image.filename).toBe("gallery.jpg");
    expect((await readBack(client, image.id)).filename).toBe("gallery.jpg");

    // `download=1` is not covered by the signature, and harmless: it only turns `inline` into `attachment` of a
    // file whose name, type and headers are the detected type's.
    const download = await call(withDownload(image.url));
    await expectFile(200, download);
    expect(download.headers.get("content-type")).toBe("image/jpeg");
    expect(download.headers.get("x-content-type-options")).toBe("nosniff");
    expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="gallery\.jpg"/);
    expect(dispositionName(download.headers.get("content-disposition"))).toBe("gallery.jpg");
  });

  it("a name whose extension is another spelling of the detected type keeps it; one without gets the type's", async () => {
    const { client } = await signedInClient();
    expect((await upload(client, uniqueImage("tiny.jpg"), "holiday.JPEG")).filename).toBe("holiday.JPEG");
    expect((await upload(client, uniqueImage("tiny.png"), "holiday")).filename).toBe("holiday.png");
    expect((await upload(client, uniqueImage("tiny.gif"), "holiday.png")).filename).toBe("holiday.gif");
  });

  it("control, format and bidi characters (Cc, Cf) are removed from the stored and the served name", async () => {
    const { client } = await signedInClient();
    // "invoice<RLO>gpj.exe" shows as "invoiceexe.jpg" in a right-to-left-aware file manager.
    const hostile =
      "in\u200Bvoi\u00ADce\u202Egpj\u200E\u200F\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069\uFEFF\u0085.png";
    const image = await upload(client, uniqueImage("tiny.png"), hostile);
    expect(image.filename).toBe("invoicegpj.png");
    expect(image.filename).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect((await readBack(client, image.id)).filename).toBe(image.filename);
    const file = await call(withDownload(image.url));
    await expectFile(200, file);
    expect(dispositionName(file.headers.get("content-disposition"))).toBe("invoicegpj.png");
  });

  it("a long name is cut between characters, never inside an emoji: the upload's answer equals the read-back", async () => {
    const { client } = await signedInClient();
    // 193 ASCII characters and then emoji: a cut at 200 UTF-16 units falls inside the surrogate pair of 👨.
    const name = `${"a".repeat(193)}😺😺😺👨‍👩‍👧.png`;
    const image = await upload(client, uniqueImage("tiny.png"), name);
    expect(image.filename.length).toBeLessThanOrEqual(200);
    expect(image.filename.endsWith(".png")).toBe(true);
    expect(image.filename).not.toMatch(/\p{Cs}/u); // no lone surrogate
    expect(image.filename).toBe(`${"a".repeat(193)}😺.png`); // as much as fits with the extension, whole emoji only
    expect((await readBack(client, image.id)).filename).toBe(image.filename);
    const file = await call(image.url);
    await expectFile(200, file);
    expect(dispositionName(file.headers.get("content-disposition"))).toBe(image.filename);
  });

  it("a name that is nothing but characters that go becomes image.<detected extension>", async () => {
    const { client } = await signedInClient();
    const image = await upload(client, fixtureBytes("tiny.gif"), "\u202E\u200B.gif");
    expect(image.filename).toBe("image.gif");
  });
});
