// HEIC input: real files made by heif-enc (Debian's libheif-examples), decoded by libheif-js.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import sharp from "sharp";
import { info, transform } from "../src/engine.js";
import { readHeifLayout } from "../src/heif-boxes.js";
import { heifEnc, withDeclaredSize, withTransformation } from "./helpers/heif.js";
import { difference, size } from "./helpers/images.js";
import { photo } from "./helpers/photos.js";

/** @type {Buffer} */ let cat; // chelsea.png, 451×300
/** @type {Buffer} */ let heic;
const png = { format: "image/png" };

before(async () => {
  cat = await photo("chelsea.png");
  heic = await heifEnc(cat, { quality: 90 }); // fails with an install hint when heif-enc is missing
});

test("a HEIC from heif-enc decodes upright at its size, and info() reads it without decoding", async () => {
  const layout = readHeifLayout(heic);
  assert.deepEqual(layout.primarySize, { width: 451, height: 300 });
  assert.equal(layout.rotation, 0);
  assert.deepEqual(await info(heic), { format: "image/heic", fileSize: heic.length, width: 451, height: 300 });
  const out = await transform(heic, [], png);
  assert.deepEqual(await size(out.data), { width: 451, height: 300 });
  assert.ok((await difference(out.data, cat)) < 3, "looks like the photo it was made from");
});

test("HEIC goes through the whole pipeline: resize to WebP", async () => {
  const out = await transform(heic, [{ transform: { width: 200, height: 200, fit: "cover" } }], {
    format: "image/webp",
  });
  assert.equal(out.contentType, "image/webp");
  assert.deepEqual(await size(out.data), { width: 200, height: 200 });
  assert.ok((await difference(out.data, await sharp(cat).resize(200, 200, { fit: "cover" }).png().toBuffer())) < 4);
});

test("irot (rotation anti-clockwise) is honoured: shown and decoded turned, at the turned size", async () => {
  for (const [angle, clockwise] of [
    [90, 270],
    [180, 180],
    [270, 90],
  ]) {
    const rotated = withTransformation(heic, { irot: angle });
    assert.equal(readHeifLayout(rotated).rotation, angle);
    const shown = angle === 180 ? { width: 451, height: 300 } : { width: 300, height: 451 };
    assert.deepEqual(await info(rotated), { format: "image/heic", fileSize: rotated.length, ...shown });
    const out = await transform(rotated, [], png);
    assert.deepEqual(await size(out.data), shown);
    assert.ok((await difference(out.data, await sharp(cat).rotate(clockwise).png().toBuffer())) < 3, `irot ${angle}`);
  }
});

test("imir (mirror) is honoured: axis 0 swaps top and bottom, axis 1 left and right (libheif ≥ 1.16)", async () => {
  const vertical = await transform(withTransformation(heic, { imir: 0 }), [], png);
  assert.ok((await difference(vertical.data, await sharp(cat).flip().png().toBuffer())) < 3);
  const horizontal = await transform(withTransformation(heic, { imir: 1 }), [], png);
  assert.ok((await difference(horizontal.data, await sharp(cat).flop().png().toBuffer())) < 3);
});

test("AVIF (read by sharp, not libheif-js) honours irot too", async () => {
  const avif = await heifEnc(cat, { quality: 80, avif: true });
  assert.deepEqual(await info(avif), { format: "image/avif", fileSize: avif.length, width: 451, height: 300 });
  const rotated = withTransformation(avif, { irot: 90 });
  assert.deepEqual(await info(rotated), { format: "image/avif", fileSize: rotated.length, width: 300, height: 451 });
  const out = await transform(rotated, [], png);
  assert.ok((await difference(out.data, await sharp(cat).rotate(270).png().toBuffer())) < 3);
});

test("a HEIC declaring a huge size (ispe) is refused with 9413 before libheif decodes it", async () => {
  // Broken coded data: if the decoder ran, the answer would be a decode error (9516), not 9413.
  const broken = Buffer.from(heic);
  const mdat = broken.indexOf("mdat");
  broken.fill(0, mdat + 4);
  await assert.rejects(transform(broken, [], png), (error) => /** @type {any} */ (error).code === 9516);
  const huge = withDeclaredSize(broken, 20_000, 20_000);
  const started = performance.now();
  await assert.rejects(transform(huge, [], png), (error) => /** @type {any} */ (error).code === 9413);
  assert.ok(performance.now() - started < 200, "refused from the header, quickly");
  // info() reports what the file declares.
  assert.deepEqual(await info(huge), { format: "image/heic", fileSize: huge.length, width: 20_000, height: 20_000 });
});

test("a file with a HEIF signature but a broken box structure is a decode error, not a crash", async () => {
  const cut = heic.subarray(0, 200);
  await assert.rejects(transform(cut, [], png), (error) => [9516, 9412].includes(/** @type {any} */ (error).code));
});

test("without heif-enc the HEIC tests fail with the install command, not a cryptic error", async () => {
  const path = process.env.PATH;
  process.env.PATH = "/nonexistent";
  try {
    await assert.rejects(heifEnc(cat), /apt-get install -y libheif-examples/);
  } finally {
    process.env.PATH = path;
  }
});
