// The processing options judged by their pixels: each rendition of a real photo (made through the Worker by the local
// image engine, the Images binding's documented contract) against what sharp makes of the original outside workerd,
// or against a statistic that the option must move. PNG output where pixels are compared, so encoding adds nothing.
import { describe, expect, it } from "vitest";
import { grayDistance, UPRIGHT_DISTANCE } from "../helpers/grayscale";
import {
  type Gray,
  laplacianVariance,
  mean,
  meanDifference,
  oracle,
  PHOTO,
  PHOTO_SIZE,
  PHOTO_WITH_EXIF,
  rendition,
  userWithPhoto,
} from "./helpers";

const reference = (operations = "") => oracle(`/gray?size=16${operations}`, PHOTO);

describe("geometry: rotate, flip, trim, gravity", () => {
  it("rotate=90 is the photo turned clockwise, 300×451, as sharp turns it (and not the other way)", async () => {
    const user = await userWithPhoto();
    const { bytes } = await rendition(user, user.image.id, { rotate: 90, format: "png" });
    const seen = await oracle("/gray?size=16", bytes);
    expect([seen.width, seen.height]).toEqual([PHOTO_SIZE.height, PHOTO_SIZE.width]);
    const turned = grayDistance(seen.gray, (await reference("&rotate=90")).gray);
    const otherWay = grayDistance(seen.gray, (await reference("&rotate=270")).gray);
    console.log(
      `rotate=90: distance to sharp's rotate(90) ${turned.toFixed(2)}, to rotate(270) ${otherWay.toFixed(2)}`,
    );
    expect(turned).toBeLessThan(1);
    expect(otherWay).toBeGreaterThan(UPRIGHT_DISTANCE);
  });

  it("flip=h is the mirror image; flip=v upside down", async () => {
    const user = await userWithPhoto();
    const h = await oracle("/gray?size=16", (await rendition(user, user.image.id, { flip: "h", format: "png" })).bytes);
    const v = await oracle("/gray?size=16", (await rendition(user, user.image.id, { flip: "v", format: "png" })).bytes);
    const upright = (await reference()).gray;
    const mirror = grayDistance(h.gray, (await reference("&flop=1")).gray);
    const upsideDown = grayDistance(v.gray, (await reference("&flip=1")).gray);
    console.log(
      `flip: h to sharp's flop ${mirror.toFixed(2)} (to the photo ${grayDistance(h.gray, upright).toFixed(2)}), ` +
        `v to flip ${upsideDown.toFixed(2)} (to the photo ${grayDistance(v.gray, upright).toFixed(2)})`,
    );
    expect(mirror).toBeLessThan(1);
    expect(upsideDown).toBeLessThan(1);
    expect(grayDistance(h.gray, upright)).toBeGreaterThan(UPRIGHT_DISTANCE);
    expect(grayDistance(v.gray, upright)).toBeGreaterThan(UPRIGHT_DISTANCE);
  });

  it("trim cuts exactly the pixels asked for, and the output is the size the API states", async () => {
    const user = await userWithPhoto();
    const trim = { "trim.top": 20, "trim.right": 10, "trim.bottom": 40, "trim.left": 30 };
    const { bytes } = await rendition(user, user.image.id, { ...trim, format: "png" });
    const seen = await oracle("/gray?size=0", bytes);
    expect([seen.width, seen.height]).toEqual([411, 240]);
    const cut = await oracle("/gray?size=0&extract=30,20,411,240", PHOTO);
    const shifted = await oracle("/gray?size=0&extract=40,20,411,240", PHOTO);
    const exact = meanDifference(seen.gray, cut.gray);
    const off = meanDifference(seen.gray, shifted.gray);
    console.log(`trim: mean difference to sharp's extract ${exact.toFixed(3)}, to one 10 px off ${off.toFixed(2)}`);
    expect(exact).toBeLessThan(0.5);
    expect(off).toBeGreaterThan(5);

    // Resized after the trim: the stated size (a session item's width and height) is the file's.
    const sized = await oracle(
      "/gray?size=16",
      (await rendition(user, user.image.id, { ...trim, width: 200, format: "png" })).bytes,
    );
    expect([sized.width, sized.height]).toEqual([200, 117]);
  });

  it("gravity picks what a cover crop keeps; a focal point equal to a side is that side (one stored file)", async () => {
    const user = await userWithPhoto();
    const box = { width: 200, height: 200, fit: "cover", format: "png" };
    const left = await rendition(user, user.image.id, { ...box, gravity: "left" });
    const right = await rendition(user, user.image.id, { ...box, gravity: "right" });
    const seenLeft = await oracle("/gray?size=16", left.bytes);
    const seenRight = await oracle("/gray?size=16", right.bytes);
    // The photo is 451×300: a 300×300 square from its left or right edge, scaled to 200×200.
    const leftSquare = await reference("&extract=0,0,300,300");
    const rightSquare = await reference("&extract=151,0,300,300");
    const distances = {
      left: grayDistance(seenLeft.gray, leftSquare.gray),
      right: grayDistance(seenRight.gray, rightSquare.gray),
      leftToRight: grayDistance(seenLeft.gray, rightSquare.gray),
    };
    console.log("gravity distances", distances);
    expect(distances.left).toBeLessThan(3);
    expect(distances.right).toBeLessThan(3);
    expect(distances.leftToRight).toBeGreaterThan(UPRIGHT_DISTANCE);

    const focal = await rendition(user, user.image.id, { ...box, gravity: "0x0.5" });
    expect(focal.response.headers.get("etag")).toBe(left.response.headers.get("etag"));
    const elsewhere = await rendition(user, user.image.id, { ...box, gravity: "0.3x0.7" });
    expect(elsewhere.response.headers.get("etag")).not.toBe(left.response.headers.get("etag"));
  });
});

describe("colour: saturation, brightness, blur", () => {
  const rgb = (bytes: Uint8Array) => oracle<{ width: number; height: number; rgb: number[] }>("/rgb?size=0", bytes);
  const spread = (rgb: number[]) => {
    let most = 0;
    for (let i = 0; i < rgb.length; i += 3) {
      most = Math.max(most, Math.max(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!) - Math.min(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!));
    }
    return most;
  };

  it("saturation=0 is grayscale: red, green and blue equal in every pixel (the photo's are not)", async () => {
    const user = await userWithPhoto();
    const gray = await rgb((await rendition(user, user.image.id, { saturation: 0, format: "png" })).bytes);
    const plain = await rgb((await rendition(user, user.image.id, { format: "png" })).bytes);
    console.log(`saturation=0: largest channel spread ${spread(gray.rgb)} (the photo: ${spread(plain.rgb)})`);
    expect(spread(gray.rgb)).toBeLessThanOrEqual(1);
    expect(spread(plain.rgb)).toBeGreaterThan(40);
  });

  it("brightness=1.5 raises the mean luminance; brightness=1 is the plain rendition (one stored file)", async () => {
    const user = await userWithPhoto();
    const bright = await rendition(user, user.image.id, { brightness: 1.5, format: "png" });
    const plain = await rendition(user, user.image.id, { format: "png" });
    const same = await rendition(user, user.image.id, { brightness: 1, format: "png" });
    const lit = mean((await oracle<Gray>("/gray?size=0", bright.bytes)).gray);
    const before = mean((await oracle<Gray>("/gray?size=0", plain.bytes)).gray);
    console.log(`brightness=1.5: mean luminance ${lit.toFixed(1)} (plain ${before.toFixed(1)})`);
    expect(lit).toBeGreaterThan(before * 1.25);
    expect(same.response.headers.get("etag")).toBe(plain.response.headers.get("etag"));
  });

  it("blur lowers the Laplacian variance; sharpen raises it", async () => {
    const user = await userWithPhoto();
    const variance = async (query: Record<string, string | number>) => {
      const seen = await oracle<Gray>("/gray?size=0", (await rendition(user, user.image.id, query)).bytes);
      return laplacianVariance(seen.gray, seen.width, seen.height);
    };
    const plain = await variance({ format: "png" });
    const blurred = await variance({ blur: 10, format: "png" });
    const sharpened = await variance({ sharpen: 5, format: "png" });
    console.log(
      `Laplacian variance: plain ${plain.toFixed(1)}, blur=10 ${blurred.toFixed(1)}, sharpen=5 ${sharpened.toFixed(1)}`,
    );
    expect(blurred).toBeLessThan(plain * 0.2);
    expect(sharpened).toBeGreaterThan(plain * 1.5);
  });
});

describe("watermark", () => {
  it("changes only its region: bottom-right, 20 % of the width, inset 2 % of the shorter side, at its opacity", async () => {
    const user = await userWithPhoto({ logo: true });
    const plain = await oracle<Gray>("/gray?size=0", (await rendition(user, user.image.id, { format: "png" })).bytes);
    const marked = await oracle<Gray>(
      "/gray?size=0",
      (
        await rendition(user, user.image.id, {
          format: "png",
          watermark: user.logo!.id,
          "watermark.width": 0.2,
          "watermark.gravity": "bottom-right",
        })
      ).bytes,
    );
    const { width, height } = PHOTO_SIZE;
    expect([marked.width, marked.height]).toEqual([width, height]);
    // The logo (120×60) is scaled to 90 px wide (20 % of 451): 90×45, 6 px (2 % of 300) from the right and bottom
    // edges; its opaque block (80×20 inside a 20 px transparent frame) becomes 60×15 at 15 px inside it.
    const logo = { left: width - 6 - 90, top: height - 6 - 45, right: width - 6, bottom: height - 6 };
    const block = { left: logo.left + 15, top: logo.top + 15, right: logo.left + 75, bottom: logo.top + 30 };
    let outside = 0;
    let changedInBlock = 0;
    let changedInFrame = 0;

    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const changed = Math.abs(marked.gray[y * width + x]! - plain.gray[y * width + x]!) > 1;
        if (!changed) continue;
        const inLogo = x >= logo.left && x < logo.right && y >= logo.top && y < logo.bottom;
        const inBlock = x >= block.left - 1 && x <= block.right && y >= block.top - 1 && y <= block.bottom;
        if (!inLogo) outside++;
        else if (inBlock) changedInBlock++;
        else changedInFrame++;
      }
    }
    console.log(
      `watermark: ${changedInBlock} pixels changed in the block (${60 * 15} in it), ${changedInFrame} in the ` +
        `transparent frame, ${outside} outside the logo`,
    );
    expect(outside).toBe(0);
    expect(changedInFrame).toBe(0);
    expect(changedInBlock).toBeGreaterThan(60 * 15 * 0.9);
    // Half the opacity, half the change in every channel (the overlay is blended on the encoded values; the default
    // position is the same corner).
    const rgbOf = async (query: Record<string, string | number>) =>
      (await oracle<{ rgb: number[] }>("/rgb?size=0", (await rendition(user, user.image.id, query)).bytes)).rgb;
    const base = await rgbOf({ format: "png" });
    const opaque = await rgbOf({ format: "png", watermark: user.logo!.id, "watermark.width": 0.2 });
    const half = await rgbOf({
      format: "png",
      watermark: user.logo!.id,
      "watermark.width": 0.2,
      "watermark.opacity": 0.5,
    });
    for (let channel = 0; channel < 3; channel++) {
      let full = 0;
      let faint = 0;
      for (let y = block.top; y < block.bottom; y++) {
        for (let x = block.left; x < block.right; x++) {
          const i = (y * width + x) * 3 + channel;
          full += opaque[i]! - base[i]!;
          faint += half[i]! - base[i]!;
        }
      }
      console.log(
        `watermark: channel ${"RGB"[channel]}, change at opacity 0.5 / at opacity 1: ${(faint / full).toFixed(3)}`,
      );
      expect(Math.abs(full)).toBeGreaterThan(60 * 15 * 20);
      expect(faint / full).toBeGreaterThan(0.45);
      expect(faint / full).toBeLessThan(0.55);
    }
  });
});

describe("metadata", () => {
  it("a JPEG rendition keeps no metadata by default, only the copyright with metadata=copyright, never GPS", async () => {
    const user = await userWithPhoto({ photo: PHOTO_WITH_EXIF });
    type Exif = { exif: boolean; copyright: string | null; latitude: number | null };
    const original = await oracle<Exif>("/exif", PHOTO_WITH_EXIF);
    expect(original.copyright).toBe("Ada Lovelace 2026");
    expect(original.latitude).toBeCloseTo(48.857, 2);

    const none = await oracle<Exif>("/exif", (await rendition(user, user.image.id, { format: "jpeg" })).bytes);
    expect(none).toEqual({ exif: false, copyright: null, latitude: null, longitude: null });
    const copyright = await oracle<Exif>(
      "/exif",
      (await rendition(user, user.image.id, { format: "jpeg", metadata: "copyright" })).bytes,
    );
    expect(copyright).toMatchObject({ exif: true, copyright: "Ada Lovelace 2026", latitude: null });
    const webp = await oracle<Exif>(
      "/exif",
      (await rendition(user, user.image.id, { format: "webp", metadata: "copyright" })).bytes,
    );
    expect(webp.exif).toBe(false);
  });
});
