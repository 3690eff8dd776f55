// The fit rules on Cloudflare's own worked examples (https://developers.cloudflare.com/images/optimization/features/#fit).
import assert from "node:assert/strict";
import { test } from "node:test";
import { offset, planResize } from "../src/geometry.js";

const center = { x: 0.5, y: 0.5, mode: /** @type {const} */ ("remainder") };
const plan = (/** @type {number} */ W, /** @type {number} */ H, /** @type {any} */ box) =>
  planResize({ width: W, height: H }, { gravity: center, ...box });

test("scale-down: 1080×720 in 500×500 → 500×333; in 2000×2000 it keeps 1080×720", () => {
  assert.deepEqual(plan(1080, 720, { width: 500, height: 500, fit: "scale-down" }), {
    kind: "scale",
    width: 500,
    height: 333,
  });
  assert.deepEqual(plan(1080, 720, { width: 2000, height: 2000, fit: "scale-down" }), {
    kind: "scale",
    width: 1080,
    height: 720,
  });
});

test("contain: 1080×720 in 500×500 → 500×333, and enlarges into 2000×2000 → 2000×1333", () => {
  assert.deepEqual(plan(1080, 720, { width: 500, height: 500, fit: "contain" }), {
    kind: "scale",
    width: 500,
    height: 333,
  });
  assert.deepEqual(plan(1080, 720, { width: 2000, height: 2000, fit: "contain" }), {
    kind: "scale",
    width: 2000,
    height: 1333,
  });
});

test("cover: 1080×720 → 750×500, then cropped to 500×500 from the middle", () => {
  assert.deepEqual(plan(1080, 720, { width: 500, height: 500, fit: "cover" }), {
    kind: "crop",
    scaledWidth: 750,
    scaledHeight: 500,
    width: 500,
    height: 500,
    left: 125,
    top: 0,
    strategy: null,
  });
});

test("crop: 1080×720 in 1296×1296 is returned at 1080×720; larger than the box it acts like cover", () => {
  const small = plan(1080, 720, { width: 1296, height: 1296, fit: "crop" });
  assert.equal(small.kind, "crop");
  assert.deepEqual([small.scaledWidth, small.scaledHeight, small.width, small.height], [1080, 720, 1080, 720]);
  const large = plan(1080, 720, { width: 500, height: 500, fit: "crop" });
  assert.equal(large.kind, "crop");
  assert.deepEqual([large.scaledWidth, large.scaledHeight, large.width, large.height], [750, 500, 500, 500]);
});

test("aspect-crop: 612×613 at 1920×1120 stays unscaled and is cropped to 612×357", () => {
  const p = plan(612, 613, { width: 1920, height: 1120, fit: "aspect-crop" });
  assert.equal(p.kind, "crop");
  assert.deepEqual([p.scaledWidth, p.scaledHeight, p.width, p.height], [612, 613, 612, 357]);
});

test("pad: 1080×720 in 1080×1080 → a 1080×1080 canvas with the image centred", () => {
  assert.deepEqual(plan(1080, 720, { width: 1080, height: 1080, fit: "pad" }), {
    kind: "pad",
    width: 1080,
    height: 720,
    canvasWidth: 1080,
    canvasHeight: 1080,
    left: 0,
    top: 180,
  });
});

test("squeeze: 1080×720 → exactly 1080×540", () => {
  assert.deepEqual(plan(1080, 720, { width: 1080, height: 540, fit: "squeeze" }), {
    kind: "scale",
    width: 1080,
    height: 540,
  });
});

test("one side only: every fit scales to it; scale-down and crop never enlarge", () => {
  assert.deepEqual(plan(1080, 720, { width: 540, fit: "cover" }), { kind: "scale", width: 540, height: 360 });
  assert.deepEqual(plan(1080, 720, { height: 1440, fit: "contain" }), { kind: "scale", width: 2160, height: 1440 });
  assert.deepEqual(plan(1080, 720, { height: 1440, fit: "scale-down" }), { kind: "scale", width: 1080, height: 720 });
  assert.deepEqual(plan(1080, 720, { width: 4000, fit: "crop" }), { kind: "scale", width: 1080, height: 720 });
  assert.deepEqual(plan(1080, 720, {}), { kind: "none" });
});

test("gravity: sides and focal points place the crop window", () => {
  const at = (/** @type {any} */ gravity) => {
    const p = plan(900, 900, { width: 300, height: 900, fit: "cover", gravity });
    return p.kind === "crop" ? p.left : null;
  };
  assert.equal(at({ x: 0, y: 0.5, mode: "remainder" }), 0);
  assert.equal(at({ x: 1, y: 0.5, mode: "remainder" }), 600);
  // Cloudflare's example: 900×900 → 300×900 around 0.33×0.5 keeps the point at 1/3 of the output too.
  assert.equal(at({ x: 0.33, y: 0.5, mode: "remainder" }), 198);
  assert.equal(offset(0.33, 900, 300, "box-center"), 147);
  assert.equal(offset(0.01, 900, 300, "box-center"), 0);
  assert.equal(offset(0.99, 900, 300, "box-center"), 600);
});
