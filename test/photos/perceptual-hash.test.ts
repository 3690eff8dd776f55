// perceptualHash inside workerd, through the Images binding the tests run with (the local image engine, which
// implements Cloudflare's `fit: "squeeze"`), on 17 real photos (scikit-image's sample photos, from Debian) and their
// near-copies made by sharp in test/setup/photo-fixtures.ts. NEAR_DUPLICATE_DISTANCE was chosen from the distances
// this file measures (printed by the first test); the PNG decoder is checked on every PNG layout with a stand-in
// binding that answers a known 9×8 picture.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  hashDistance,
  MAX_HASH_PNG_BYTES,
  NEAR_DUPLICATE_DISTANCE,
  perceptualHash,
} from "../../src/images/perceptual-hash";
import { concatBytes } from "../../src/lib/encoding";
import { createServices } from "../../src/services";
import { HASH_PATTERN, hashPhotos, photoFixture } from "../helpers/photo-fixtures";

const images = createServices(env).platform.images;

/** The near-copies every photo is measured with (test/setup/photo-fixtures.ts makes them). */
const VARIANTS = ["half", "quality40", "crop1", "crop3", "crop5", "mirror"] as const;
type Variant = (typeof VARIANTS)[number];

const hashes = new Map<string, { original: string } & Record<Variant, string>>();

beforeAll(async () => {
  const photos = await hashPhotos();
  expect(photos.length).toBe(17);
  // A few at a time: each is one request to the image engine.
  const jobs = photos.flatMap((photo) => (["original", ...VARIANTS] as const).map((variant) => ({ photo, variant })));
  const results = new Map<string, string>();
  for (let i = 0; i < jobs.length; i += 4) {
    await Promise.all(
      jobs.slice(i, i + 4).map(async ({ photo, variant }) => {
        const hash = await perceptualHash(images, await photoFixture(`/photo/${photo}/${variant}`));
        results.set(`${photo}/${variant}`, hash);
      }),
    );
  }
  for (const photo of photos) {
    const entry = Object.fromEntries(
      (["original", ...VARIANTS] as const).map((variant) => [variant, results.get(`${photo}/${variant}`)!]),
    ) as { original: string } & Record<Variant, string>;
    hashes.set(photo, entry);
  }
}, 180_000);

/** Distances from each photo to its variant. */
function toVariant(variant: Variant): { photo: string; distance: number }[] {
  return [...hashes].map(([photo, h]) => ({ photo, distance: hashDistance(h.original, h[variant]) }));
}

/** Distances between every two different photos. */
function betweenPhotos(): { pair: string; distance: number }[] {
  const entries = [...hashes];
  return entries.flatMap(([a, ha], i) =>
    entries.slice(i + 1).map(([b, hb]) => ({ pair: `${a} – ${b}`, distance: hashDistance(ha.original, hb.original) })),
  );
}

function summary(distances: number[]): string {
  const sorted = [...distances].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `min ${sorted[0]}, median ${median}, max ${sorted.at(-1)} (n=${sorted.length}): ${sorted.join(" ")}`;
}

describe("perceptual hash: near-duplicates among real photos", () => {
  it("the measured distances (printed), and the separation NEAR_DUPLICATE_DISTANCE makes", () => {
    const lines = VARIANTS.map(
      (variant) => `${variant.padEnd(9)} ${summary(toVariant(variant).map((d) => d.distance))}`,
    );
    const pairs = betweenPhotos();
    lines.push(`distinct  ${summary(pairs.map((d) => d.distance))}`);
    const closest = [...pairs].sort((a, b) => a.distance - b.distance).slice(0, 5);
    lines.push(`closest distinct pairs: ${closest.map((d) => `${d.pair} ${d.distance}`).join("; ")}`);
    for (const variant of VARIANTS) {
      const far = toVariant(variant).filter((d) => d.distance > NEAR_DUPLICATE_DISTANCE);
      lines.push(
        `${variant} above ${NEAR_DUPLICATE_DISTANCE}: ${far.map((d) => `${d.photo} ${d.distance}`).join(", ")}`,
      );
    }
    console.log(`dHash distances (of 64 bits), 17 photos:\n${lines.join("\n")}`);
    expect(pairs.length).toBe((17 * 16) / 2);
    // The closest two different photos are further apart than the threshold: so is everything else.
    expect(Math.min(...pairs.map((d) => d.distance))).toBeGreaterThan(NEAR_DUPLICATE_DISTANCE);
  });

  it("a copy at half size, and a JPEG at quality 40, are near-duplicates (all but a flat texture)", () => {
    // brick.png is a brick wall filling the frame: at 9×8 its neighbouring cells differ by less than the noise of
    // resampling and JPEG, so its bits are unstable. dHash cannot see a duplicate in a picture with no structure.
    for (const variant of ["half", "quality40"] as const) {
      const far = toVariant(variant).filter((d) => d.distance > NEAR_DUPLICATE_DISTANCE);
      expect(
        far.map((d) => d.photo),
        variant,
      ).toEqual(["brick.png"]);
    }
  });

  it("a different photo is not a near-duplicate, not even the other half of a stereo pair", () => {
    for (const { pair, distance } of betweenPhotos()) expect(distance, pair).toBeGreaterThan(NEAR_DUPLICATE_DISTANCE);
  });

  it("a mirror image is not a near-duplicate", () => {
    for (const { photo, distance } of toVariant("mirror"))
      expect(distance, photo).toBeGreaterThan(NEAR_DUPLICATE_DISTANCE);
  });

  it("a slight crop: 1% and 3% off every side usually stay within the threshold, 5% usually do not", () => {
    const median = (variant: Variant) =>
      toVariant(variant)
        .map((d) => d.distance)
        .sort((a, b) => a - b)[8]!;
    expect(median("crop1")).toBeLessThanOrEqual(NEAR_DUPLICATE_DISTANCE);
    expect(median("crop3")).toBeLessThanOrEqual(NEAR_DUPLICATE_DISTANCE);
    expect(median("crop5")).toBeGreaterThan(NEAR_DUPLICATE_DISTANCE);
  });

  it.each(["chelsea.png", "coffee.png", "rocket.jpg"])(
    "%s: stored sideways (EXIF orientation 6) or as HEIC, it hashes as the upright photo",
    async (photo) => {
      const original = hashes.get(photo)!.original;
      const sideways = await perceptualHash(images, await photoFixture(`/photo/${photo}/sideways`));
      const heic = await perceptualHash(images, await photoFixture(`/photo/${photo}/heic`));
      console.log(`${photo}: sideways ${hashDistance(original, sideways)}, heic ${hashDistance(original, heic)}`);
      expect(hashDistance(original, sideways)).toBeLessThanOrEqual(NEAR_DUPLICATE_DISTANCE);
      expect(hashDistance(original, heic)).toBeLessThanOrEqual(NEAR_DUPLICATE_DISTANCE);
    },
  );
});

describe("perceptual hash: the Images binding's answer", () => {
  it("the image engine squeezes a 3:2 photo to exactly 9×8 (fit: squeeze), as PNG", async () => {
    const result = await images
      .input(new Blob([await photoFixture("/photo/chelsea.png/original")]).stream())
      .transform({ width: 9, height: 8, fit: "squeeze" })
      .output({ format: "image/png" });
    const png = new Uint8Array(await result.response().arrayBuffer());
    const view = new DataView(png.buffer, png.byteOffset);
    expect(String.fromCharCode(...png.subarray(12, 16))).toBe("IHDR");
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([9, 8]);
  });

  it.each(["gray8", "gray16", "grayAlpha", "rgb8", "rgb16", "rgba8", "palette", "interlaced"])(
    "PNG layout %s is decoded: the hash is the picture's bits",
    async (layout) => {
      const png = await photoFixture(`/png/${layout}`);
      expect(await perceptualHash(answering(png), new Uint8Array([1]))).toBe(HASH_PATTERN);
    },
  );

  it("an answer that is not exactly 9×8, not a PNG, or too large is an error, not a hash", async () => {
    await expect(perceptualHash(answering(await photoFixture("/png/wrongSize")), new Uint8Array([1]))).rejects.toThrow(
      "answered 9×6, not 9×8",
    );
    const jpeg = (await photoFixture("/photo/rocket.jpg/original")).subarray(0, 4096);
    await expect(perceptualHash(answering(jpeg), new Uint8Array([1]))).rejects.toThrow("did not answer with a PNG");
    const large = new Uint8Array(MAX_HASH_PNG_BYTES + 1);
    large.set(await photoFixture("/png/rgb8"));
    await expect(perceptualHash(answering(large), new Uint8Array([1]))).rejects.toThrow("larger than");
  });

  it("a PNG whose image data inflates past what 9×8 pixels need is an error (a deflate bomb stops early)", async () => {
    const png = await photoFixture("/png/rgb8");
    // The same PNG with its IDAT replaced by 1 MiB of zeros, deflated (about 1 KiB).
    const zeros = await new Response(
      new Blob([new Uint8Array(1 << 20)]).stream().pipeThrough(new CompressionStream("deflate")),
    ).arrayBuffer();
    const bomb = withIdat(png, new Uint8Array(zeros));
    await expect(perceptualHash(answering(bomb), new Uint8Array([1]))).rejects.toThrow("larger than");
  });
});

describe("hashDistance", () => {
  it("counts the bits two hashes differ in", () => {
    expect(hashDistance(HASH_PATTERN, HASH_PATTERN)).toBe(0);
    expect(hashDistance("0000000000000000", "ffffffffffffffff")).toBe(64);
    expect(hashDistance("8000000000000001", "0000000000000000")).toBe(2);
    expect(hashDistance("00000000ffffffff", "0000000fffffffff")).toBe(4);
    expect(hashDistance("ABCDEF0123456789", "abcdef0123456789")).toBe(0);
  });

  it("refuses anything but two 16-hex-digit hashes", () => {
    for (const bad of ["", "123", "0000000000000000f", "000000000000000g", " 000000000000000"]) {
      expect(() => hashDistance(bad, HASH_PATTERN), JSON.stringify(bad)).toThrow(TypeError);
    }
  });
});

/** An Images binding stand-in whose every transform answers `png`. */
function answering(png: Uint8Array): ImagesBinding {
  const transformer: ImageTransformer = {
    transform: () => transformer,
    draw: () => transformer,
    output: async () => ({
      contentType: () => "image/png",
      image: () => new Blob([png]).stream(),
      response: () => new Response(png),
    }),
  };
  return {
    info: async () => {
      throw new Error("not used");
    },
    input: () => transformer,
    hosted: undefined as unknown as HostedImagesBinding,
  };
}

/** A PNG with its IDAT chunks replaced by one holding `data` (the CRC is not checked by the decoder, so left 0). */
function withIdat(png: Uint8Array, data: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [png.subarray(0, 8)];
  let pos = 8;
  let replaced = false;
  while (pos < png.length) {
    const length = new DataView(png.buffer, png.byteOffset + pos).getUint32(0);
    const type = String.fromCharCode(...png.subarray(pos + 4, pos + 8));
    if (type !== "IDAT") {
      chunks.push(png.subarray(pos, pos + 12 + length));
    } else if (!replaced) {
      const chunk = new Uint8Array(12 + data.length);
      new DataView(chunk.buffer).setUint32(0, data.length);
      chunk.set([0x49, 0x44, 0x41, 0x54], 4);
      chunk.set(data, 8);
      chunks.push(chunk);
      replaced = true;
    }
    pos += 12 + length;
  }
  return concatBytes(chunks);
}
