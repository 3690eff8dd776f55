// Phone photos as a user uploads them, on `npm start` (its own port), shown by headless Chromium: a real photo
// (scikit-image's chelsea.png) written with each EXIF orientation 1–8, as HEIC made by Debian's heif-enc, and as a
// HEIC turned by `irot`. For each: the dimensions the API reports, its tags, whether Chromium shows `displayUrl` and
// `thumbnailUrl` (and at what size), and how far the thumbnail is from the upright photo (mean absolute difference
// of 16×16 grayscales, 0–255; turned the wrong way it is ~26). Prints a table; exits 1 when any photo is not upright,
// not in its shown size, untagged or not shown.
//   npm run check:phone-photos

import type { Browser } from "playwright-core";
import sharp from "sharp";
import { heifEnc, withTransformation } from "../image-engine/test/helpers/heif.js";
import { orientedJpeg } from "../image-engine/test/helpers/images.js";
import { photo } from "../image-engine/test/helpers/photos.js";
import { grayDistance, quarterTurnLeft, UPRIGHT_DISTANCE } from "../test/helpers/grayscale";
import { launchChromium, startLocalServer } from "./lib/local-server";

async function gray(bytes: Uint8Array): Promise<number[]> {
  return [...(await sharp(bytes).resize(16, 16, { fit: "fill" }).grayscale().raw().toBuffer())];
}

const upright = await photo("chelsea.png");
const reference = await gray(upright);
const heic = await heifEnc(upright, { quality: 90 });
const cases: { name: string; bytes: Uint8Array; shown: [number, number]; reference: number[] }[] = [];
for (let o = 1; o <= 8; o++) {
  cases.push({
    name: `IMG_000${o}.JPG (orientation ${o})`,
    bytes: await orientedJpeg(upright, o),
    shown: [451, 300],
    reference,
  });
}
cases.push({ name: "IMG_0009.HEIC", bytes: heic, shown: [451, 300], reference });
cases.push({
  name: "IMG_0010.HEIC (irot 90°)",
  bytes: withTransformation(heic, { irot: 90 }),
  shown: [300, 451],
  reference: quarterTurnLeft(reference),
});

const server = startLocalServer(process.env.PORT ?? "8797");
let browser: Browser | undefined;
let failed = false;
try {
  await server.ready();
  const credentials = {
    email: `photos-${Date.now()}@example.com`,
    password: "correct horse battery staple",
    turnstileToken: "XXXX.DUMMY.TOKEN.XXXX",
  };
  const registered = await fetch(`${server.base}/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(credentials),
  });
  const { tokens } = (await registered.json()) as { tokens: { accessToken: string } };
  browser = await launchChromium();
  const page = await browser.newPage();
  const rows = ["| photo | type | width×height | tags | Chromium shows displayUrl | thumbnail | upright (distance) |"];
  rows.push("|---|---|---|---|---|---|---|");
  for (const item of cases) {
    const form = new FormData();
    form.append("file", new File([item.bytes], item.name.split(" ")[0]!));
    const response = await fetch(`${server.base}/v1/images`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokens.accessToken}` },
      body: form,
    });
    const image = (await response.json()) as {
      contentType: string;
      width: number;
      height: number;
      tags: { label: string; score: number }[];
      displayUrl: string;
      thumbnailUrl: string;
    };
    await page.setContent(`<img id="d" src="${image.displayUrl}"><img id="t" src="${image.thumbnailUrl}">`);
    // In the page's own language (this file is compiled without the DOM's types).
    await page.waitForFunction("[...document.images].every((img) => img.complete)", null, { timeout: 30_000 });
    const shown: [number, number][] = await page.evaluate(
      "[...document.images].map((img) => [img.naturalWidth, img.naturalHeight])",
    );
    const thumbnail = new Uint8Array(await (await fetch(image.thumbnailUrl)).arrayBuffer());
    const off = grayDistance(await gray(thumbnail), item.reference);
    const ok =
      response.status === 201 &&
      image.width === item.shown[0] &&
      image.height === item.shown[1] &&
      image.tags.length > 0 &&
      shown[0]![0] === item.shown[0] &&
      shown[0]![1] === item.shown[1] &&
      shown[1]![0] > 0 &&
      off < UPRIGHT_DISTANCE;
    failed ||= !ok;
    const tags = image.tags
      .slice(0, 2)
      .map((tag) => `${tag.label} ${tag.score.toFixed(2)}`)
      .join(", ");
    rows.push(
      `| ${item.name} | ${image.contentType} | ${image.width}×${image.height} | ${tags || "none"} | ` +
        `${shown[0]![0]}×${shown[0]![1]} | ${shown[1]![0]}×${shown[1]![1]} | ${ok ? "yes" : "NO"} (${off.toFixed(1)}) |`,
    );
  }
  console.log(rows.join("\n"));
} finally {
  await browser?.close();
  server.stop();
}
if (failed) {
  console.error("Some phone photos were not shown upright, in their size, tagged and by Chromium (see the table).");
  process.exit(1);
}
