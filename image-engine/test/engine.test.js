// Each option of the Images binding against what sharp computes for the same operation, judged by pixels.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import exifr from "exifr";
import sharp from "sharp";
import { info, transform } from "../src/engine.js";
import { difference, laplacianVariance, meanLuma, orientedJpeg, pixels, size } from "./helpers/images.js";
import { photo } from "./helpers/photos.js";

/** @type {Buffer} */ let cat; // chelsea.png, 451×300
/** @type {Buffer} */ let rocket; // rocket.jpg, 640×427
/** @type {Buffer} */ let coffee; // coffee.png, 600×400

before(async () => {
  cat = await photo("chelsea.png");
  rocket = await photo("rocket.jpg");
  coffee = await photo("coffee.png");
});

const png = { format: "image/png" };
/** Rejects with an Images error code. @param {Promise<unknown>} promise @param {number} code */
const rejectsWith = (promise, code) => assert.rejects(promise, (error) => /** @type {any} */ (error).code === code);

describe("inputs and info()", () => {
  test("formats are told by their bytes; info reports type, file size and size", async () => {
    const webp = await sharp(cat).webp().toBuffer();
    const gif = await sharp(cat).gif().toBuffer();
    const avif = await sharp(cat).avif({ quality: 60 }).toBuffer();
    assert.deepEqual(await info(cat), { format: "image/png", fileSize: cat.length, width: 451, height: 300 });
    assert.deepEqual(await info(rocket), { format: "image/jpeg", fileSize: rocket.length, width: 640, height: 427 });
    assert.deepEqual(await info(webp), { format: "image/webp", fileSize: webp.length, width: 451, height: 300 });
    assert.deepEqual(await info(gif), { format: "image/gif", fileSize: gif.length, width: 451, height: 300 });
    assert.deepEqual(await info(avif), { format: "image/avif", fileSize: avif.length, width: 451, height: 300 });
    for (const input of [webp, gif, avif]) {
      const out = await transform(input, [{ transform: { width: 100 } }], png);
      assert.deepEqual([out.width, out.height], [100, 67]);
      assert.ok((await difference(out.data, cat)) < 8, "decoded pixels look like the photo");
    }
  });

  test("a non-image is 9412 (Cloudflare's 'not an image'), for info and transform alike", async () => {
    const html = Buffer.from("<!doctype html><html><body>Login required</body></html>");
    await rejectsWith(info(html), 9412);
    await rejectsWith(transform(html, [], png), 9412);
    await rejectsWith(transform(new Uint8Array(0), [], png), 9412);
    const tiff = await sharp(cat).tiff().toBuffer(); // Cloudflare does not read TIFF either
    await rejectsWith(info(tiff), 9412);
    const error = await transform(html, [], png).catch((e) => e);
    assert.equal(error.status, 415);
  });

  test("SVG: info says image/svg+xml only; converting it to a raster format is 9412, as on Cloudflare", async () => {
    const svg = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    assert.deepEqual(await info(svg), { format: "image/svg+xml" });
    await rejectsWith(transform(svg, [], png), 9412);
  });

  test("an image that cannot be decoded is 9516 (decode error)", async () => {
    await rejectsWith(transform(rocket.subarray(0, rocket.length / 2), [], png), 9516);
  });

  for (const o of /** @type {const} */ ([1, 2, 3, 4, 5, 6, 7, 8])) {
    test(`EXIF orientation ${o}: shown upright, at the shown size`, async () => {
      const file = await orientedJpeg(cat, o);
      // The fixture is right: sharp's own auto-orientation turns it upright.
      assert.ok((await difference(await sharp(file).autoOrient().png().toBuffer(), cat)) < 3);
      assert.deepEqual(await info(file), { format: "image/jpeg", fileSize: file.length, width: 451, height: 300 });
      const out = await transform(file, [{ transform: { width: 226 } }], png);
      assert.deepEqual(await size(out.data), { width: 226, height: 150 });
      assert.ok((await difference(out.data, cat)) < 3, `orientation ${o} comes out upright`);
      const meta = await sharp(out.data).metadata();
      assert.ok(meta.orientation === undefined || meta.orientation === 1, "no orientation tag re-rotates it");
    });
  }
});

describe("resizing: fit and gravity", () => {
  test("cover fills the exact box, like sharp's cover", async () => {
    const out = await transform(cat, [{ transform: { width: 200, height: 200, fit: "cover" } }], png);
    assert.deepEqual(await size(out.data), { width: 200, height: 200 });
    const expected = await sharp(cat).resize(200, 200, { fit: "cover" }).png().toBuffer();
    assert.ok((await difference(out.data, expected)) < 2);
  });

  test("contain and scale-down keep the aspect ratio; only contain enlarges", async () => {
    const sized = async (/** @type {any} */ t) => size((await transform(cat, [{ transform: t }], png)).data);
    assert.deepEqual(await sized({ width: 200, height: 200, fit: "contain" }), { width: 200, height: 133 });
    assert.deepEqual(await sized({ width: 200, height: 200, fit: "scale-down" }), { width: 200, height: 133 });
    assert.deepEqual(await sized({ width: 1000, height: 1000, fit: "contain" }), { width: 1000, height: 665 });
    assert.deepEqual(await sized({ width: 1000, height: 1000, fit: "scale-down" }), { width: 451, height: 300 });
    assert.deepEqual(
      await sized({ width: 1000, height: 1000 }),
      { width: 451, height: 300 },
      "scale-down is the default",
    );
    assert.deepEqual(await sized({ width: 100, height: 100, fit: "squeeze" }), { width: 100, height: 100 });
    const contained = (await transform(cat, [{ transform: { width: 200, height: 200, fit: "contain" } }], png)).data;
    assert.ok((await difference(contained, await sharp(cat).resize(200, 133).png().toBuffer())) < 2);
  });

  test("cover/crop with gravity keeps the named side: pixels equal sharp's extract", async () => {
    // 150×300 from 451×300: no scaling, only a window to place.
    const window = async (/** @type {any} */ gravity) =>
      (await transform(cat, [{ transform: { width: 150, height: 300, fit: "cover", gravity } }], png)).data;
    const extract = (/** @type {number} */ left) =>
      sharp(cat).extract({ left, top: 0, width: 150, height: 300 }).png().toBuffer();
    assert.ok((await difference(await window("left"), await extract(0))) < 0.5);
    assert.ok((await difference(await window("right"), await extract(301))) < 0.5);
    assert.ok((await difference(await window({ x: 0.5, y: 0.5 }), await extract(151))) < 0.5);
    assert.ok((await difference(await window(undefined), await extract(151))) < 0.5, "center by default");
    assert.ok((await difference(await window("left"), await extract(301))) > 5, "left and right differ");
  });

  test("crop never enlarges: a box wider than the image only crops the height", async () => {
    const out = await transform(cat, [{ transform: { width: 1000, height: 100, fit: "crop", gravity: "top" } }], png);
    assert.deepEqual(await size(out.data), { width: 451, height: 100 });
    const expected = await sharp(cat).extract({ left: 0, top: 0, width: 451, height: 100 }).png().toBuffer();
    assert.ok((await difference(out.data, expected)) < 0.5);
  });

  test("gravity auto crops where sharp's attention strategy does", async () => {
    const out = await transform(
      coffee,
      [{ transform: { width: 200, height: 400, fit: "cover", gravity: "auto" } }],
      png,
    );
    const expected = await sharp(coffee)
      .resize(200, 400, { fit: "cover", position: sharp.strategy.attention })
      .png()
      .toBuffer();
    assert.ok((await difference(out.data, expected)) < 2);
  });

  test("pad fills the box with white, or with background", async () => {
    const white = await transform(cat, [{ transform: { width: 300, height: 300, fit: "pad" } }], png);
    const red = await transform(
      cat,
      [{ transform: { width: 300, height: 300, fit: "pad", background: "#ff0000" } }],
      png,
    );
    for (const [out, rgb] of /** @type {const} */ ([
      [white, [255, 255, 255]],
      [red, [255, 0, 0]],
    ])) {
      const { data, info: meta } = await pixels(out.data);
      assert.deepEqual([meta.width, meta.height], [300, 300]);
      assert.deepEqual([...data.subarray(0, 3)], rgb, "top-left corner is padding");
      const middle = (150 * 300 + 150) * meta.channels;
      assert.notDeepEqual([...data.subarray(middle, middle + 3)], rgb, "the photo is in the middle");
    }
  });

  test("an output beyond the size limit is 9413 before anything is allocated", async () => {
    await rejectsWith(transform(cat, [{ transform: { width: 50_000, fit: "contain" } }], png), 9413);
  });
});

describe("rotate, flip, trim, border", () => {
  test("rotate 90 equals sharp's rotate(90); width then refers to the rotated axes", async () => {
    const out = await transform(cat, [{ transform: { rotate: 90 } }], png);
    assert.deepEqual(await size(out.data), { width: 300, height: 451 });
    assert.ok((await difference(out.data, await sharp(cat).rotate(90).png().toBuffer())) < 0.5);
    const sized = await transform(cat, [{ transform: { rotate: 90, width: 150 } }], png);
    assert.deepEqual(await size(sized.data), { width: 150, height: 226 });
  });

  test("flip h mirrors left–right, v top–bottom, hv both; flip comes before rotate", async () => {
    const flipped = async (/** @type {any} */ t) => (await transform(cat, [{ transform: t }], png)).data;
    assert.ok((await difference(await flipped({ flip: "h" }), await sharp(cat).flop().png().toBuffer())) < 0.5);
    assert.ok((await difference(await flipped({ flip: "v" }), await sharp(cat).flip().png().toBuffer())) < 0.5);
    assert.ok((await difference(await flipped({ flip: "hv" }), await sharp(cat).rotate(180).png().toBuffer())) < 0.5);
    const flopThenRotate = await sharp(await sharp(cat).flop().png().toBuffer())
      .rotate(90)
      .png()
      .toBuffer();
    assert.ok((await difference(await flipped({ flip: "h", rotate: 90 }), flopThenRotate)) < 0.5);
  });

  test("chained transforms run in call order: rotate, then resize", async () => {
    const out = await transform(cat, [{ transform: { rotate: 90 } }, { transform: { width: 128 } }], png);
    assert.deepEqual(await size(out.data), { width: 128, height: 192 });
  });

  test("trim cuts pixels off each side, or to a width and height from the corner", async () => {
    const sides = await transform(cat, [{ transform: { trim: { top: 10, right: 20, bottom: 30, left: 40 } } }], png);
    assert.deepEqual(await size(sides.data), { width: 391, height: 260 });
    const expected = await sharp(cat).extract({ left: 40, top: 10, width: 391, height: 260 }).png().toBuffer();
    assert.ok((await difference(sides.data, expected)) < 0.5);
    const box = await transform(cat, [{ transform: { trim: { left: 10, top: 5, width: 100, height: 50 } } }], png);
    const expectedBox = await sharp(cat).extract({ left: 10, top: 5, width: 100, height: 50 }).png().toBuffer();
    assert.ok((await difference(box.data, expectedBox)) < 0.5);
  });

  test("trim border removes a surrounding colour, keeping `keep` pixels of it", async () => {
    const framed = await sharp(cat)
      .extend({ top: 25, bottom: 25, left: 25, right: 25, background: "#ff0000" })
      .png()
      .toBuffer();
    const trimmed = await transform(framed, [{ transform: { trim: "border" } }], png);
    const { width = 0, height = 0 } = await size(trimmed.data);
    assert.ok(Math.abs(width - 451) <= 2 && Math.abs(height - 300) <= 2, `trimmed to ${width}×${height}`);
    const kept = await transform(framed, [{ transform: { trim: { border: { keep: 5 } } } }], png);
    const keptSize = await size(kept.data);
    assert.ok(Math.abs((keptSize.width ?? 0) - 461) <= 2 && Math.abs((keptSize.height ?? 0) - 310) <= 2);
  });

  test("border adds pixels around the resized image", async () => {
    const out = await transform(cat, [{ transform: { width: 100, border: { color: "#00ff00", width: 10 } } }], png);
    assert.deepEqual(await size(out.data), { width: 120, height: 87 });
    const { data } = await pixels(out.data);
    assert.deepEqual([...data.subarray(0, 3)], [0, 255, 0]);
    const sides = await transform(
      cat,
      [{ transform: { width: 100, border: { color: "red", top: 1, right: 2, bottom: 3, left: 4 } } }],
      png,
    );
    assert.deepEqual(await size(sides.data), { width: 106, height: 71 });
  });
});

describe("colour and filters", () => {
  test("saturation 0 gives equal channels; 1 leaves the image alone", async () => {
    const { data, info: meta } = await pixels((await transform(cat, [{ transform: { saturation: 0 } }], png)).data);
    for (let i = 0; i < data.length; i += meta.channels) {
      assert.ok(data[i] === data[i + 1] && data[i + 1] === data[i + 2], `pixel ${i / meta.channels} is gray`);
    }
    assert.ok((await difference((await transform(cat, [{ transform: { saturation: 1 } }], png)).data, cat)) < 0.5);
  });

  test("brightness 1.5 raises mean luminance, 0.5 lowers it, 0 is ignored", async () => {
    const mean = async (/** @type {number} */ brightness) =>
      meanLuma((await transform(cat, [{ transform: { brightness } }], png)).data);
    const base = await meanLuma(cat);
    assert.ok((await mean(1.5)) > base + 20);
    assert.ok((await mean(0.5)) < base - 20);
    assert.ok(Math.abs((await mean(0)) - base) < 0.5);
  });

  test("contrast 2 spreads values; gamma 2 lightens and 0.5 darkens", async () => {
    const spread = async (/** @type {Uint8Array} */ bytes) => {
      const data = await sharp(bytes).greyscale().raw().toBuffer();
      const m = data.reduce((a, v) => a + v, 0) / data.length;
      return Math.sqrt(data.reduce((a, v) => a + (v - m) ** 2, 0) / data.length);
    };
    const contrasted = (await transform(cat, [{ transform: { contrast: 2 } }], png)).data;
    assert.ok((await spread(contrasted)) > (await spread(cat)) * 1.3);
    const base = await meanLuma(cat);
    assert.ok((await meanLuma((await transform(cat, [{ transform: { gamma: 2 } }], png)).data)) > base + 15);
    assert.ok((await meanLuma((await transform(cat, [{ transform: { gamma: 0.5 } }], png)).data)) < base - 15);
  });

  test("blur lowers the Laplacian variance, more with a larger radius; sharpen raises it", async () => {
    const sharpness = async (/** @type {any} */ t) =>
      laplacianVariance((await transform(rocket, [{ transform: t }], png)).data);
    const base = await laplacianVariance(await sharp(rocket).png().toBuffer());
    const light = await sharpness({ blur: 4 });
    const heavy = await sharpness({ blur: 40 });
    assert.ok(light < base / 2 && heavy < light, `${base} → ${light} → ${heavy}`);
    assert.ok((await sharpness({ sharpen: 5 })) > base * 1.2);
  });
});

describe("draw overlays", () => {
  /** @type {Buffer} */ let blue; // 40×30 opaque blue
  /** @type {Buffer} */ let base; // 200×133 PNG of the cat
  before(async () => {
    blue = await sharp({ create: { width: 40, height: 30, channels: 4, background: "#0000ff" } })
      .png()
      .toBuffer();
    base = (await transform(cat, [{ transform: { width: 200 } }], png)).data;
  });

  /** Pixels that differ between two decoded images, as a bounding box. @param {Uint8Array} a @param {Uint8Array} b */
  const changed = async (a, b) => {
    const pa = await pixels(a);
    const pb = await pixels(b);
    const { width, channels } = pa.info;
    let box = null;
    for (let i = 0; i < pa.data.length; i += channels) {
      if (pa.data[i] === pb.data[i] && pa.data[i + 1] === pb.data[i + 1] && pa.data[i + 2] === pb.data[i + 2]) continue;
      const x = (i / channels) % width;
      const y = Math.floor(i / channels / width);
      box = box
        ? {
            left: Math.min(box.left, x),
            top: Math.min(box.top, y),
            right: Math.max(box.right, x),
            bottom: Math.max(box.bottom, y),
          }
        : { left: x, top: y, right: x, bottom: y };
    }
    return box;
  };

  test("an overlay at top/left changes only its own region", async () => {
    const out = await transform(base, [{ draw: { image: blue, options: { top: 10, left: 20 } } }], png);
    assert.deepEqual(await changed(base, out.data), { left: 20, top: 10, right: 59, bottom: 39 });
    const { data, info: meta } = await pixels(out.data);
    const at = (30 * meta.width + 40) * meta.channels;
    assert.deepEqual([...data.subarray(at, at + 3)], [0, 0, 255]);
  });

  test("bottom/right place from the far edges; no position centres it", async () => {
    const corner = await transform(base, [{ draw: { image: blue, options: { bottom: 5, right: 5 } } }], png);
    assert.deepEqual(await changed(base, corner.data), { left: 155, top: 98, right: 194, bottom: 127 });
    const centred = await transform(base, [{ draw: { image: blue } }], png);
    assert.deepEqual(await changed(base, centred.data), { left: 80, top: 51, right: 119, bottom: 80 });
  });

  test("opacity blends; repeat tiles the whole image, or one row with 'x'", async () => {
    const half = await transform(base, [{ draw: { image: blue, options: { top: 0, left: 0, opacity: 0.5 } } }], png);
    const { data } = await pixels(half.data);
    const { data: under } = await pixels(base);
    assert.ok(Math.abs(data[2] - (under[2] + 255) / 2) <= 2, "blue channel halfway to 255");
    const tiled = await transform(base, [{ draw: { image: blue, options: { repeat: true } } }], png);
    const all = await pixels(tiled.data);
    for (let i = 0; i < all.data.length; i += all.info.channels) assert.equal(all.data[i + 2], 255);
    const row = await transform(base, [{ draw: { image: blue, options: { repeat: "x", top: 0 } } }], png);
    assert.deepEqual(await changed(base, row.data), { left: 0, top: 0, right: 199, bottom: 29 });
  });

  test("the drawn image runs its own transforms first (a nested chain)", async () => {
    const out = await transform(
      base,
      [
        {
          draw: {
            image: { image: blue, steps: [{ transform: { width: 10, height: 10, fit: "squeeze" } }] },
            options: { top: 0, left: 0 },
          },
        },
      ],
      png,
    );
    assert.deepEqual(await changed(base, out.data), { left: 0, top: 0, right: 9, bottom: 9 });
  });

  test("left together with right is an error (9401)", async () => {
    await rejectsWith(transform(base, [{ draw: { image: blue, options: { left: 1, right: 1 } } }], png), 9401);
  });
});

describe("output", () => {
  test("quality changes the bytes: lower quality, smaller file (JPEG, WebP, AVIF); 85 is the default", async () => {
    for (const format of ["image/jpeg", "image/webp", "image/avif"]) {
      const small = [{ transform: { width: 200 } }];
      const low = await transform(cat, small, { format, quality: 30 });
      const high = await transform(cat, small, { format, quality: 90 });
      assert.equal(low.contentType, format);
      assert.ok(low.data.length < high.data.length, `${format}: ${low.data.length} < ${high.data.length}`);
      const implicit = await transform(cat, small, { format });
      const explicit = await transform(cat, small, { format, quality: 85 });
      assert.ok(implicit.data.equals(explicit.data), `${format}: default quality is 85`);
    }
  });

  test("each output format is what it says; GIF too", async () => {
    for (const [format, name] of [
      ["image/jpeg", "jpeg"],
      ["image/png", "png"],
      ["image/webp", "webp"],
      ["image/avif", "heif"],
      ["image/gif", "gif"],
    ]) {
      const out = await transform(cat, [{ transform: { width: 64 } }], { format });
      assert.equal((await sharp(out.data).metadata()).format, name);
    }
  });

  test("JPEG is progressive, except below 50×50", async () => {
    assert.equal(
      (await sharp((await transform(cat, [], { format: "image/jpeg" })).data).metadata()).isProgressive,
      true,
    );
    const tiny = await transform(cat, [{ transform: { width: 40 } }], { format: "image/jpeg" });
    assert.equal((await sharp(tiny.data).metadata()).isProgressive, false);
  });

  test("transparency: kept in PNG, flattened onto white in JPEG, or onto background", async () => {
    const holey = await sharp({
      create: { width: 20, height: 20, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .composite([
        { input: { create: { width: 10, height: 20, channels: 4, background: "#0000ff" } }, left: 0, top: 0 },
      ])
      .png()
      .toBuffer();
    const kept = await pixels((await transform(holey, [], png)).data);
    assert.equal(kept.info.channels, 4);
    assert.equal(kept.data[(10 * 20 + 15) * 4 + 3], 0);
    const jpeg = await pixels((await transform(holey, [], { format: "image/jpeg" })).data);
    assert.ok(jpeg.data[(10 * 20 + 15) * 3] > 245, "white where it was transparent");
    const red = await pixels((await transform(holey, [], { format: "image/png", background: "red" })).data);
    assert.deepEqual(
      [...red.data.subarray((10 * 20 + 15) * red.info.channels, (10 * 20 + 15) * red.info.channels + 3)],
      [255, 0, 0],
    );
    const opaque = await pixels((await transform(cat, [], png)).data);
    assert.equal(opaque.info.channels, 3, "an opaque image has no alpha channel");
  });
});

describe("the single-pipeline path (resize only) and the step-by-step path", () => {
  const paths = /** @type {const} */ ([true, false]); // transform()'s `fused` option

  test("give the same pixels for a real photo with EXIF orientation 6, for every fit", async () => {
    const turned = await orientedJpeg(rocket, 6); // stored 427×640, shown 640×427
    for (const [t, format, shown] of /** @type {const} */ ([
      [undefined, "image/png", [640, 427]],
      [{ width: 320 }, "image/webp", [320, 214]],
      [{ width: 1600, height: 900, fit: "scale-down" }, "image/webp", [640, 427]],
      [{ width: 200, height: 200, fit: "cover" }, "image/jpeg", [200, 200]],
      [{ width: 300, height: 100, fit: "crop", gravity: "top" }, "image/png", [300, 100]],
      [{ width: 640, height: 200, fit: "crop", gravity: { x: 0.5, y: 1 } }, "image/png", [640, 200]],
      [{ width: 300, height: 300, fit: "pad" }, "image/png", [300, 300]],
      [{ width: 200, height: 300, fit: "cover", gravity: "auto" }, "image/png", [200, 300]],
      [{ height: 150, fit: "squeeze" }, "image/avif", [225, 150]],
      [{ width: 100 }, "image/png", [100, 67]], // 6.4× smaller: the fast path shrinks on load (JPEG DCT scaling)
    ])) {
      const steps = t ? [{ transform: t }] : [];
      const [fast, general] = await Promise.all(paths.map((fused) => transform(turned, steps, { format }, { fused })));
      const label = `${JSON.stringify(t)} → ${format}`;
      assert.deepEqual([fast.width, fast.height], shown, label);
      assert.deepEqual(await size(fast.data), await size(general.data), label);
      // Mean absolute difference of 64×64 grayscale thumbnails, 0–255 (below 1 for all but the 6.4× reduction).
      const tolerance = t?.width === 100 ? 1.5 : 1;
      assert.ok((await difference(fast.data, general.data, 64)) < tolerance, `${label}: same pixels`);
      if (!t?.fit || t.fit === "scale-down" || t.fit === "squeeze") {
        // the whole photo, scaled: upright, like the photo the file was made from
        const upright = await sharp(rocket).resize(shown[0], shown[1], { fit: "fill" }).png().toBuffer();
        assert.ok((await difference(fast.data, upright)) < 3, `${label}: upright`);
      }
    }
  });

  test("an opaque input gives WebP/PNG without an alpha channel; a transparent one keeps it", async () => {
    const opaqueRgba = await sharp(cat).ensureAlpha().png().toBuffer(); // an alpha channel, every pixel opaque
    const holed = await sharp(cat)
      .ensureAlpha()
      .composite([
        {
          input: { create: { width: 100, height: 100, channels: 4, background: "#0000" } },
          blend: "dest-in",
          left: 0,
          top: 0,
        },
      ])
      .png()
      .toBuffer();
    assert.equal((await sharp(opaqueRgba).metadata()).hasAlpha, true);
    const transparentAt = async (/** @type {Buffer} */ file) => {
      const { data, info: meta } = await pixels(file);
      return meta.channels === 4 && data[(10 * meta.width + 10) * 4 + 3] === 0;
    };
    assert.equal(await transparentAt(holed), true, "the fixture has a transparent corner");
    for (const fused of paths) {
      for (const format of ["image/webp", "image/png"]) {
        for (const steps of [[], [{ transform: { width: 300 } }], [{ transform: { width: 300, rotate: 90 } }]]) {
          const label = `${format} ${JSON.stringify(steps)} fused=${fused}`;
          for (const input of [rocket, cat, opaqueRgba]) {
            const out = await transform(input, steps, { format }, { fused });
            assert.equal((await sharp(out.data).metadata()).hasAlpha, false, `opaque: ${label}`);
          }
          const out = await transform(holed, steps, { format }, { fused });
          assert.equal((await sharp(out.data).metadata()).hasAlpha, true, `transparent: ${label}`);
          if (steps.length === 0 || !("rotate" in steps[0].transform)) {
            assert.equal(await transparentAt(out.data), true, `transparent pixels stay transparent: ${label}`);
          }
        }
      }
    }
    // A translucent border adds transparency to an opaque image; a JPEG never has alpha.
    const bordered = await transform(rocket, [{ transform: { border: { color: "#ff000080", width: 4 } } }], png);
    assert.equal((await sharp(bordered.data).metadata()).hasAlpha, true);
    const jpeg = await transform(holed, [{ transform: { width: 300 } }], { format: "image/jpeg" });
    assert.equal((await sharp(jpeg.data).metadata()).hasAlpha, false);
  });
});

describe("metadata", () => {
  /** @type {Buffer} */ let tagged;
  before(async () => {
    tagged = await sharp(cat)
      .jpeg()
      .withExif({
        IFD0: { Copyright: "Jane Doe 2024", Make: "Canon", Model: "EOS" },
        IFD2: { DateTimeOriginal: "2019:07:14 12:34:56" },
        IFD3: {
          GPSLatitudeRef: "N",
          GPSLatitude: "48/1 51/1 2400/100",
          GPSLongitudeRef: "E",
          GPSLongitude: "2/1 21/1 0/1",
        },
      })
      .toBuffer();
    assert.equal((await exifr.parse(tagged, { gps: true })).latitude > 48, true, "the fixture has GPS");
  });

  test("JPEG output keeps the copyright and nothing else: no GPS, camera or date", async () => {
    const out = await transform(tagged, [{ transform: { width: 200 } }], { format: "image/jpeg" });
    const tags = await exifr.parse(out.data, { gps: true });
    assert.equal(tags.Copyright, "Jane Doe 2024");
    for (const gone of ["latitude", "longitude", "GPSLatitude", "Make", "Model", "DateTimeOriginal"])
      assert.equal(tags[gone], undefined, gone);
    assert.ok(tags.Orientation === undefined || tags.Orientation === 1 || tags.Orientation === "Horizontal (normal)");
  });

  test("WebP, PNG and AVIF output keep no metadata at all", async () => {
    for (const format of ["image/webp", "image/png", "image/avif"]) {
      const out = await transform(tagged, [{ transform: { width: 200 } }], { format });
      const tags = await exifr.parse(out.data, { gps: true }).catch(() => undefined);
      assert.equal(tags?.latitude, undefined, `${format}: no GPS`);
      assert.equal(tags?.Copyright, undefined, `${format}: no EXIF`);
    }
  });
});

describe("limits and bad options", () => {
  test("an image over the pixel cap is refused (9413) from its header, before decoding", async () => {
    await rejectsWith(transform(cat, [], png, { limits: { maxInputPixels: 451 * 300 - 1 } }), 9413);
    await rejectsWith(transform(cat, [], png, { limits: { maxInputSide: 450 } }), 9413);
    assert.ok((await transform(cat, [], png, { limits: { maxInputPixels: 451 * 300 } })).data.length > 0);
    // info() still reports the size of a large image: it reads headers only.
    const large = await info(cat, { limits: { maxInputPixels: 10 } });
    assert.ok("width" in large, "not the SVG answer");
    assert.equal(large.width, 451);
  });

  test("a file over the byte cap is 9402", async () => {
    await rejectsWith(transform(cat, [], png, { limits: { maxInputBytes: 1000 } }), 9402);
  });

  test("invalid options are 9401, without decoding", async () => {
    const junk = Buffer.from("not even an image");
    for (const t of [
      { fit: "stretch" },
      { rotate: 45 },
      { blur: 300 },
      { sharpen: -1 },
      { gravity: "nowhere" },
      { width: -5 },
      { background: "not-a-colour" },
      { segment: "foreground" },
    ]) {
      await rejectsWith(transform(junk, [{ transform: t }], png), 9401);
    }
    await rejectsWith(transform(junk, [], { format: "image/tiff" }), 9401);
    await rejectsWith(transform(junk, [], { format: "image/png", quality: 0 }), 9401);
  });
});
