// Fixtures for the photo library's building blocks (test/photos/metadata.test.ts, test/photos/perceptual-hash.test.ts),
// served on loopback to the tests inside workerd, made on first request and kept: nothing is made for suites that do
// not ask. All start from real photos (scikit-image's sample photos, from Debian's python3-skimage).
//   GET /exif/<case>.<jpg|png|webp|avif|heic>  a real photo with the EXIF of <case> (EXIF_CASES), written by sharp;
//                                              .heic is Debian's heif-enc run on the .png (it keeps the EXIF)
//   GET /photos                                the names of the photos below (JSON)
//   GET /photo/<name>/<variant>                the photo as shipped (original), or a near-copy of it (VARIANTS)
//   GET /png/<case>                            a 9×8 PNG of HASH_PATTERN in one PNG colour type / bit depth / layout
//   GET /exif-far/full.<webp|avif|png>         the "full" EXIF past the file's first 256 KiB (farExifFixture)
import { createServer, type Server } from "node:http";
import sharp from "sharp";
import type { TestProject } from "vitest/node";
import { heifEnc } from "../../image-engine/test/helpers/heif.js";
import { orientedJpeg } from "../../image-engine/test/helpers/images.js";
import { type PhotoName, photo } from "../../image-engine/test/helpers/photos.js";
import { HASH_PATTERN } from "../helpers/photo-fixtures";
import { freePort } from "./ports";

/** The photo the EXIF fixtures are written into: a real cat photo, 451×300. */
const EXIF_PHOTO: PhotoName = "chelsea.png";

/** EXIF written with sharp's withExif (IFD0: image, IFD2: Exif, IFD3: GPS), by case. */
const EXIF_CASES = {
  // Everything, as a camera with GPS writes it: 2019-07-14 12:34:56 at UTC+2, near the Eiffel Tower.
  full: {
    IFD0: { Make: "Canon", Model: "Canon EOS 5D Mark IV" },
    IFD2: {
      DateTimeOriginal: "2019:07:14 12:34:56",
      OffsetTimeOriginal: "+02:00",
      ExposureTime: "1/250",
      FNumber: "28/10",
      ISOSpeedRatings: "400",
      FocalLength: "50/1",
      LensModel: "EF50mm f/1.8 STM",
    },
    IFD3: {
      GPSLatitudeRef: "N",
      GPSLatitude: "48/1 51/1 2400/100",
      GPSLongitudeRef: "E",
      GPSLongitude: "2/1 17/1 4000/100",
      GPSAltitudeRef: "0",
      GPSAltitude: "35/1",
    },
  },
  // A camera without time zone support: the date alone.
  noOffset: {
    IFD0: { Make: "NIKON CORPORATION", Model: "NIKON D750" },
    IFD2: { DateTimeOriginal: "2021:12:31 23:59:59", ExposureTime: "2/1", FNumber: "8/1" },
  },
  // No DateTimeOriginal: the digitized date (a leap day), with its own offset and the general one.
  digitized: {
    IFD2: { DateTimeDigitized: "2020:02:29 06:07:08", OffsetTimeDigitized: "-04:00", OffsetTime: "-05:00" },
  },
  // The general OffsetTime when OffsetTimeOriginal is absent; south and east; an exposure of a third of a second.
  sydney: {
    IFD2: { DateTimeOriginal: "2018:01:01 00:30:00", OffsetTime: "+11:00", ExposureTime: "1/3" },
    IFD3: {
      GPSLatitudeRef: "S",
      GPSLatitude: "33/1 51/1 35/1",
      GPSLongitudeRef: "E",
      GPSLongitude: "151/1 12/1 40/1",
    },
  },
  // North and west: Badwater Basin, Death Valley, 86 m below sea level (libvips writes GPSAltitudeRef as 0 whatever it
  // is given, so this is 86 m above; the test sets the reference to 1 itself).
  badwater: {
    IFD3: {
      GPSLatitudeRef: "N",
      GPSLatitude: "36/1 15/1 0/1",
      GPSLongitudeRef: "W",
      GPSLongitude: "116/1 49/1 30/1",
      GPSAltitudeRef: "1",
      GPSAltitude: "86/1",
    },
  },
  // What cameras without a clock or a GPS fix write, and values no camera can have.
  absurd: {
    IFD0: { Make: "   ", Model: "\u0007\u0001" },
    IFD2: {
      DateTimeOriginal: "0000:00:00 00:00:00",
      DateTimeDigitized: "2019:02:30 10:00:00",
      OffsetTimeOriginal: "+99:99",
      ExposureTime: "0/1",
      FNumber: "1/0",
      ISOSpeedRatings: "0",
      FocalLength: "1000000/1",
    },
    IFD3: {
      GPSLatitudeRef: "N",
      GPSLatitude: "200/1 0/1 0/1",
      GPSLongitudeRef: "E",
      GPSLongitude: "10/1 75/1 0/1",
      GPSAltitude: "99999999/1",
    },
  },
  // A date far in the future (a clock never set) and a GPS "fix" at exactly 0°, 0°.
  nullIsland: {
    IFD2: { DateTimeOriginal: "2999:01:01 00:00:00", DateTimeDigitized: "1850:06:01 12:00:00" },
    IFD3: { GPSLatitudeRef: "N", GPSLatitude: "0/1 0/1 0/1", GPSLongitudeRef: "E", GPSLongitude: "0/1 0/1 0/1" },
  },
  // Strings the tests overwrite byte by byte (sharp writes ASCII only): control, format and non-ASCII characters,
  // and a model name longer than anything real.
  text: {
    IFD0: { Make: "MAKE_PLACEHOLDER", Model: "M".repeat(300) },
    IFD2: { LensModel: "LENS_PLACEHOLDER" },
  },
  // No EXIF at all.
  none: null,
} as const;

type ExifCase = keyof typeof EXIF_CASES;

/** The photos the perceptual hash is measured on (see image-engine/scripts/fetch-test-photos.js). */
const HASH_PHOTOS: PhotoName[] = [
  "astronaut.png",
  "brick.png",
  "camera.png",
  "cell.png",
  "chelsea.png",
  "coffee.png",
  "coins.png",
  "grass.png",
  "gravel.png",
  "hubble_deep_field.jpg",
  "ihc.png",
  "moon.png",
  "motorcycle_left.png",
  "motorcycle_right.png",
  "page.png",
  "retina.jpg",
  "rocket.jpg",
];

/** Near-copies of a photo, as JPEG (quality 90 unless said): how copies of a photo come about. */
const VARIANTS = {
  half: (s: sharp.Sharp, w: number) => s.resize(Math.round(w / 2)).jpeg({ quality: 90 }),
  quality40: (s: sharp.Sharp) => s.jpeg({ quality: 40 }),
  crop1: (s: sharp.Sharp, w: number, h: number) => crop(s, w, h, 0.01),
  crop3: (s: sharp.Sharp, w: number, h: number) => crop(s, w, h, 0.03),
  crop5: (s: sharp.Sharp, w: number, h: number) => crop(s, w, h, 0.05),
  mirror: (s: sharp.Sharp) => s.flop().jpeg({ quality: 90 }),
} as const;

/** The same fraction cut off every side. */
function crop(s: sharp.Sharp, w: number, h: number, fraction: number) {
  const dx = Math.round(w * fraction);
  const dy = Math.round(h * fraction);
  return s.extract({ left: dx, top: dy, width: w - 2 * dx, height: h - 2 * dy }).jpeg({ quality: 90 });
}

/** The same 9×8 picture of HASH_PATTERN in each PNG layout the decoder handles. */
const PNG_CASES: Record<string, () => Promise<Buffer>> = {
  gray8: () => patternImage(1).png().toBuffer(),
  gray16: () => patternImage(1).toColourspace("grey16").png().toBuffer(),
  grayAlpha: () => patternImage(2).png().toBuffer(),
  rgb8: () => patternImage(3).png().toBuffer(),
  rgb16: () => patternImage(3).toColourspace("rgb16").png().toBuffer(),
  rgba8: () => patternImage(4).png().toBuffer(),
  palette: () => patternImage(3).png({ palette: true, colours: 256, dither: 0 }).toBuffer(),
  interlaced: () => patternImage(3).png({ progressive: true }).toBuffer(),
  // Not 9×8: what a binding that ignores `fit: "squeeze"` (miniflare's own) answers for a 3:2 photo.
  wrongSize: () =>
    sharp(Buffer.alloc(9 * 6 * 3, 128), { raw: { width: 9, height: 6, channels: 3 } })
      .png()
      .toBuffer(),
};

/** HASH_PATTERN as 9×8 pixels with `channels` channels (gray in every colour channel; alpha 200 when present). */
function patternImage(channels: 1 | 2 | 3 | 4): sharp.Sharp {
  const bits = BigInt(`0x${HASH_PATTERN}`);
  const data = Buffer.alloc(9 * 8 * channels);
  for (let row = 0; row < 8; row++) {
    let level = 128;
    for (let col = 0; col < 9; col++) {
      if (col > 0) level += (bits >> BigInt(63 - (row * 8 + col - 1))) & 1n ? 8 : -8;
      const colours = channels === 1 || channels === 2 ? 1 : 3;
      for (let c = 0; c < channels; c++) data[(row * 9 + col) * channels + c] = c < colours ? level : 200;
    }
  }
  return sharp(data, { raw: { width: 9, height: 8, channels } });
}

export default async function setup(project: TestProject) {
  const port = await freePort();
  const server = await serve(port);
  project.provide("photoFixturesUrl", `http://127.0.0.1:${port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Each fixture is made once per run. */
const made = new Map<string, Promise<Buffer>>();
function once(key: string, make: () => Promise<Buffer>): Promise<Buffer> {
  let found = made.get(key);
  if (!found) {
    found = make();
    made.set(key, found);
  }
  return found;
}

function fixture(path: string): Promise<Buffer> | null {
  const exif = /^\/exif\/(\w+)\.(jpg|png|webp|avif|heic)$/.exec(path);
  if (exif && exif[1]! in EXIF_CASES) {
    const name = exif[1] as ExifCase;
    const format = exif[2]!;
    return once(path, async () => {
      // heif-enc reads its input as PNG (the helper names it in.png) and copies the eXIf chunk into the HEIC.
      if (format === "heic") return heifEnc(await exifFixture(name, "png"), { quality: 80 });
      return exifFixture(name, format);
    });
  }
  const variant = /^\/photo\/([\w.]+)\/(\w+)$/.exec(path);
  if (variant && HASH_PHOTOS.includes(variant[1] as PhotoName)) {
    const name = variant[1] as PhotoName;
    const kind = variant[2]!;
    if (kind === "original") return photo(name);
    if (kind === "sideways") return once(path, async () => orientedJpeg(await photo(name), 6));
    if (kind === "heic") {
      return once(path, async () =>
        heifEnc(
          await sharp(await photo(name))
            .png()
            .toBuffer(),
          { quality: 80 },
        ),
      );
    }
    if (kind in VARIANTS) {
      return once(path, async () => {
        const original = await photo(name);
        const { width, height } = await sharp(original).metadata();
        return VARIANTS[kind as keyof typeof VARIANTS](sharp(original), width, height).toBuffer();
      });
    }
  }
  const png = /^\/png\/(\w+)$/.exec(path);
  if (png && PNG_CASES[png[1]!]) return once(path, PNG_CASES[png[1]!]!);
  const far = /^\/exif-far\/full\.(webp|avif|png)$/.exec(path);
  if (far) return once(path, () => farExifFixture(far[1] as "webp" | "avif" | "png"));
  return null;
}

/**
 * The "full" EXIF in a file whose EXIF block lies past its first 256 KiB: deterministic noise (which compresses
 * badly), so the image data comes to about 300–450 KB. WebP and sharp's AVIF put EXIF after the image data anyway;
 * the PNG's eXIf chunk is moved from before the image data to just before IEND, where PNG 1.5's eXIf extension
 * allowed it and readers still find it.
 */
async function farExifFixture(format: "webp" | "avif" | "png"): Promise<Buffer> {
  const side = { webp: 720, avif: 560, png: 420 }[format];
  const pixels = Buffer.alloc(side * side * 3);
  let state = 0x2545f491;
  for (let i = 0; i < pixels.length; i++) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0; // a fixed LCG: the same file every run
    pixels[i] = state >>> 24;
  }
  const raw = sharp(pixels, { raw: { width: side, height: side, channels: 3 } });
  const encoded =
    format === "webp"
      ? raw.webp({ quality: 90 })
      : format === "avif"
        ? raw.avif({ quality: 80, effort: 0 })
        : raw.png();
  const bytes = await encoded.withExif(EXIF_CASES.full as unknown as sharp.Exif).toBuffer();
  return format === "png" ? pngWithExifLast(bytes) : bytes;
}

/** The PNG with its eXIf chunk moved to just before IEND (chunks keep their CRCs: a CRC covers only its chunk). */
function pngWithExifLast(png: Buffer): Buffer {
  const chunks: Buffer[] = [];
  let exif: Buffer | null = null;
  for (let pos = 8; pos < png.length; ) {
    const end = pos + 12 + png.readUInt32BE(pos);
    const chunk = png.subarray(pos, end);
    if (chunk.toString("latin1", 4, 8) === "eXIf") exif = chunk;
    else chunks.push(chunk);
    pos = end;
  }
  if (!exif) throw new Error("sharp wrote no eXIf chunk");
  return Buffer.concat([png.subarray(0, 8), ...chunks.slice(0, -1), exif, chunks.at(-1)!]);
}

async function exifFixture(name: ExifCase, format: string): Promise<Buffer> {
  let s = sharp(await photo(EXIF_PHOTO));
  s =
    format === "png" ? s.png() : format === "webp" ? s.webp() : format === "avif" ? s.avif() : s.jpeg({ quality: 85 });
  const exif = EXIF_CASES[name];
  return (exif ? s.withExif(exif as unknown as sharp.Exif) : s).toBuffer();
}

function serve(port: number): Promise<Server> {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? "/", "http://fixtures").pathname;
    try {
      if (path === "/photos") {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(HASH_PHOTOS));
        return;
      }
      const bytes = await fixture(path);
      if (!bytes) {
        response.writeHead(404, { "content-type": "text/plain" }).end(`no fixture ${path}`);
        return;
      }
      response.writeHead(200, { "content-type": "application/octet-stream" }).end(bytes);
    } catch (error) {
      response.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The loopback server of test/setup/photo-fixtures.ts: EXIF fixtures, photos and their near-copies, PNG layouts. */
    photoFixturesUrl: string;
  }
}
