// readPhotoMetadata inside workerd (as the Worker runs it: exifr's core on a Uint8Array, no Node APIs), on a real photo
// (scikit-image's chelsea.png, from Debian) with EXIF written by sharp, and by Debian's heif-enc for HEIC
// (test/setup/photo-fixtures.ts); malformed and hostile blocks are made here, byte by byte, from those files.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emptyPhotoMetadata, type PhotoMetadata, readPhotoMetadata } from "../../src/images/photo-metadata";
import { sniffImage } from "../../src/images/sniff";
import { concatBytes } from "../../src/lib/encoding";
import { photoFixture } from "../helpers/photo-fixtures";

/** What test/setup/photo-fixtures.ts writes for the case "full". */
const FULL: PhotoMetadata = {
  takenAt: "2019-07-14T12:34:56+02:00",
  takenAtOffset: "+02:00",
  takenAtMs: Date.UTC(2019, 6, 14, 10, 34, 56),
  camera: { make: "Canon", model: "Canon EOS 5D Mark IV", lens: "EF50mm f/1.8 STM" },
  exposure: { iso: 400, aperture: 2.8, shutter: "1/250", focalLength: 50 },
  // 48° 51′ 24″ N, 2° 17′ 40″ E, 35 m
  location: { latitude: 48.8566667, longitude: 2.2944444, altitude: 35 },
};

describe("photo metadata: what cameras write", () => {
  it.each([
    ["jpg", "jpeg"],
    ["png", "png"],
    ["webp", "webp"],
    ["avif", "avif"],
    ["heic", "heic"],
  ])("%s: date with its offset, camera, lens, exposure and location", async (extension, format) => {
    const bytes = await photoFixture(`/exif/full.${extension}`);
    const sniffed = sniffImage(bytes);
    expect(sniffed.ok && sniffed.image.format).toBe(format);
    expect(await readPhotoMetadata(bytes)).toEqual(FULL);
  });

  it("a photo without EXIF has empty metadata", async () => {
    expect(await readPhotoMetadata(await photoFixture("/exif/none.jpg"))).toEqual(emptyPhotoMetadata());
  });

  it("without an offset: the wall-clock time, no offset, sorted as if it were UTC", async () => {
    expect(await readPhotoMetadata(await photoFixture("/exif/noOffset.jpg"))).toEqual({
      takenAt: "2021-12-31T23:59:59",
      takenAtOffset: null,
      takenAtMs: Date.UTC(2021, 11, 31, 23, 59, 59),
      camera: { make: "NIKON CORPORATION", model: "NIKON D750", lens: null },
      exposure: { iso: null, aperture: 8, shutter: "2", focalLength: null },
      location: null,
    });
  });

  it("no DateTimeOriginal: the digitized date, with OffsetTimeDigitized before OffsetTime", async () => {
    const metadata = await readPhotoMetadata(await photoFixture("/exif/digitized.jpg"));
    expect(metadata).toMatchObject({ takenAt: "2020-02-29T06:07:08-04:00", takenAtOffset: "-04:00" });
    expect(metadata.takenAtMs).toBe(Date.UTC(2020, 1, 29, 10, 7, 8));
  });

  it("OffsetTime when OffsetTimeOriginal is absent; southern latitude; a third of a second", async () => {
    const metadata = await readPhotoMetadata(await photoFixture("/exif/sydney.jpg"));
    // Half past midnight on New Year's Day in Sydney is still the 31st of December in UTC.
    expect(metadata).toMatchObject({ takenAt: "2018-01-01T00:30:00+11:00", takenAtOffset: "+11:00" });
    expect(metadata.takenAtMs).toBe(Date.UTC(2017, 11, 31, 13, 30, 0));
    expect(metadata.exposure).toEqual({ iso: null, aperture: null, shutter: "0.3", focalLength: null });
    expect(metadata.location).toEqual({ latitude: -33.8597222, longitude: 151.2111111, altitude: null });
  });

  it("western longitude, and an altitude below sea level (GPSAltitudeRef 1)", async () => {
    const above = await photoFixture("/exif/badwater.jpg");
    const metadata = await readPhotoMetadata(above);
    expect(metadata.location).toEqual({ latitude: 36.25, longitude: -116.825, altitude: 86 });
    expect(metadata.takenAt).toBeNull();
    // libvips writes GPSAltitudeRef as 0 whatever it is given: set it to 1 (below sea level) here.
    const below = above.slice();
    setEntry(below, "gps", 0x0005, { byte: 1 });
    expect((await readPhotoMetadata(below)).location).toEqual({ latitude: 36.25, longitude: -116.825, altitude: -86 });
  });

  it("values no camera can have (a zero date, 30 February, +99:99, f/∞, 200° north) are dropped", async () => {
    expect(await readPhotoMetadata(await photoFixture("/exif/absurd.jpg"))).toEqual(emptyPhotoMetadata());
  });

  it("a year with leading zeros (0050) is not read as 1950", async () => {
    const bytes = await photoFixture("/exif/full.jpg");
    replaceBytes(bytes, "2019:07:14 12:34:56", Array.from(ascii("0050:07:14 12:34:56")));
    expect(await readPhotoMetadata(bytes)).toEqual({ ...FULL, takenAt: null, takenAtOffset: null, takenAtMs: null });
  });

  it("a date in the year 2999 or 1850 and a position of exactly 0°, 0° are dropped", async () => {
    expect(await readPhotoMetadata(await photoFixture("/exif/nullIsland.jpg"))).toEqual(emptyPhotoMetadata());
  });

  it("strings: cut at NUL, control and format characters removed, invalid UTF-8 dropped, length capped", async () => {
    const bytes = await photoFixture("/exif/text.jpg");
    // "\u202E" (right-to-left override) "Canon" TAB BEL "R5" DEL NUL "XY": 16 bytes, as long as the placeholder.
    replaceBytes(bytes, "MAKE_PLACEHOLDER", [
      0xe2,
      0x80,
      0xae,
      ...ascii("Canon"),
      0x09,
      0x07,
      ...ascii("R5"),
      0x7f,
      0x00,
      ...ascii("XY"),
    ]);
    // "Zeiss" "é" (UTF-8) "\u200B" (zero-width space) 0xFF (not UTF-8) " 50mm".
    replaceBytes(bytes, "LENS_PLACEHOLDER", [...ascii("Zeiss"), 0xc3, 0xa9, 0xe2, 0x80, 0x8b, 0xff, ...ascii(" 50mm")]);
    expect((await readPhotoMetadata(bytes)).camera).toEqual({
      make: "Canon R5",
      model: "M".repeat(100),
      lens: "Zeissé 50mm",
    });
  });
});

describe("photo metadata: malformed and hostile EXIF never throws", () => {
  it("a truncated EXIF block: empty", async () => {
    const jpeg = await photoFixture("/exif/full.jpg");
    const { app1, tiff } = exifSegment(jpeg);
    // The APP1 segment keeps only the first 64 bytes of its TIFF structure; the rest of the file follows as before.
    const kept = 64;
    const truncated = concatBytes([
      jpeg.subarray(0, app1),
      Uint8Array.of(0xff, 0xe1, ((kept + 8) >> 8) & 0xff, (kept + 8) & 0xff),
      ascii("Exif\0\0"),
      jpeg.subarray(tiff, tiff + kept),
      jpeg.subarray(app1 + 2 + u16be(jpeg, app1 + 2)),
    ]);
    expect(await readPhotoMetadata(truncated)).toEqual(emptyPhotoMetadata());
  });

  it("IFD0 at a garbage offset, or a TIFF header that is not one: empty", async () => {
    const jpeg = await photoFixture("/exif/full.jpg");
    const { tiff } = exifSegment(jpeg);
    const offset = jpeg.slice();
    new DataView(offset.buffer).setUint32(tiff + 4, 0xfffffff0, tiffIsLittleEndian(jpeg, tiff));
    expect(await readPhotoMetadata(offset)).toEqual(emptyPhotoMetadata());
    const header = jpeg.slice();
    header[tiff + 2] = 43; // 42 is TIFF's magic number
    expect(await readPhotoMetadata(header)).toEqual(emptyPhotoMetadata());
  });

  it("a garbage GPS pointer costs the location only; a garbage Exif pointer costs date, lens and exposure", async () => {
    const jpeg = await photoFixture("/exif/full.jpg");
    const gps = jpeg.slice();
    setEntry(gps, 0, 0x8825, { value: 0x7ffffff0 });
    expect(await readPhotoMetadata(gps)).toEqual({ ...FULL, location: null });

    const exif = jpeg.slice();
    setEntry(exif, 0, 0x8769, { value: 2 }); // inside the TIFF header
    expect(await readPhotoMetadata(exif)).toEqual({
      ...emptyPhotoMetadata(),
      camera: { make: "Canon", model: "Canon EOS 5D Mark IV", lens: null },
      location: FULL.location,
    });
  });

  it("a count that would make exifr allocate gigabytes: that IFD is not read, and the call returns at once", async () => {
    const jpeg = await photoFixture("/exif/full.jpg");
    // ISO as 2^28 SHORTs (512 MiB) in the Exif IFD.
    const iso = jpeg.slice();
    setEntry(iso, "exif", 0x8827, { count: 2 ** 28, value: 8 });
    let started = Date.now();
    expect(await readPhotoMetadata(iso)).toEqual({
      ...emptyPhotoMetadata(),
      camera: { ...FULL.camera!, lens: null },
      location: FULL.location,
    });
    expect(Date.now() - started).toBeLessThan(1000);
    // Make as 2^27 DOUBLEs (1 GiB) in IFD0.
    const make = jpeg.slice();
    setEntry(make, 0, 0x010f, { type: 12, count: 2 ** 27, value: 8 });
    started = Date.now();
    expect(await readPhotoMetadata(make)).toEqual(emptyPhotoMetadata());
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("an unknown TIFF type on the date: the Exif IFD is not read", async () => {
    const jpeg = (await photoFixture("/exif/full.jpg")).slice();
    setEntry(jpeg, "exif", 0x9003, { type: 99 });
    const metadata = await readPhotoMetadata(jpeg);
    expect(metadata.takenAt).toBeNull();
    expect(metadata.exposure).toBeNull();
    expect(metadata.location).toEqual(FULL.location);
  });

  it("a HEIC with a box of size 0 before `meta` (exifr's own HEIF parser loops for ever on it): empty", async () => {
    const heic = (await photoFixture("/exif/full.heic")).slice();
    expect(u32be(heic, 0)).toBe(24); // ftyp: major brand, minor version, two compatible brands
    // ftyp shrinks to 20 bytes with "heic" as its one compatible brand; the next box starts at byte 20 with size 0
    // ("to the end of the file"). exifr 7.1.3 (lite) steps to the next box by its size, 0, for ever: checked in Node,
    // it never returns, and starves the event loop. Here it is one box running to the end: no `meta`, no metadata.
    heic[3] = 20;
    heic.set([...ascii("heic"), 0, 0, 0, 0], 16);
    expect(await readPhotoMetadata(heic)).toEqual(emptyPhotoMetadata());
  });

  it("random damage to the container and the EXIF block (fast-check): never throws, every value in range", async () => {
    const files = await Promise.all(["jpg", "png", "webp", "avif", "heic"].map((e) => photoFixture(`/exif/full.${e}`)));
    // Where the damage goes: the headers and metadata of each file (its first KiB or so, and its EXIF block).
    const regions = files.map((file) => {
      const at = findAscii(file, "MM\0*") >= 0 ? findAscii(file, "MM\0*") : findAscii(file, "II*\0");
      expect(at, "the fixture has a TIFF structure").toBeGreaterThan(0);
      return [
        [0, Math.min(file.length, 1024)],
        [at, Math.min(file.length, at + 700)],
      ] as const;
    });
    // Positions as fractions of 2^16 of a region, drawn without fast-check's bias towards the ends (which would put
    // most damage on a file's first byte); a third of the runs also cut the file short.
    const fraction = fc.noBias(fc.integer({ min: 0, max: 0xffff }));
    const damage = fc.array(fc.tuple(fc.nat(1), fraction, fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 12,
    });
    let readSomething = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(files.length - 1),
        damage,
        fc.option(fraction, { freq: 2 }),
        async (which, changes, cut) => {
          const bytes = files[which]!.slice();
          for (const [region, where, value] of changes) {
            const [from, to] = regions[which]![region]!;
            bytes[from + Math.floor((where / 0x10000) * (to - from))] = value;
          }
          const damaged = cut === null ? bytes : bytes.subarray(0, Math.floor((cut / 0x10000) * bytes.length));
          const metadata = await readPhotoMetadata(damaged);
          expectSane(metadata);
          if (metadata.takenAt !== null || metadata.camera !== null) readSomething++;
        },
      ),
      { numRuns: 400, seed: 19 },
    );
    // Much damage misses the fields read (198 of these 400 runs still read a date or a camera): the runs must not
    // all come back empty, or the property would hold for a function that always returns nothing.
    expect(readSomething).toBeGreaterThan(100);
  });
});

/** The invariants every result holds, whatever the input. */
function expectSane(metadata: PhotoMetadata): void {
  const { takenAt, takenAtOffset, takenAtMs, camera, exposure, location } = metadata;
  expect((takenAt === null) === (takenAtMs === null)).toBe(true);
  if (takenAt !== null) {
    expect(takenAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2})?$/);
    expect(takenAtMs).toBeGreaterThanOrEqual(Date.UTC(1900, 0, 1));
    expect(takenAtMs).toBeLessThanOrEqual(Date.now() + 2 * 86_400_000);
    if (takenAtOffset !== null) {
      expect(takenAt.endsWith(takenAtOffset)).toBe(true);
      expect(Date.parse(takenAt)).toBe(takenAtMs);
    }
  } else {
    expect(takenAtOffset).toBeNull();
  }
  for (const value of [camera?.make, camera?.model, camera?.lens]) {
    if (value === null || value === undefined) continue;
    expect(value.length).toBeGreaterThan(0);
    expect(Array.from(value).length).toBeLessThanOrEqual(100);
    expect(value).not.toMatch(/[\p{Cc}\p{Cf}\uFFFD]|^\s|\s$/u);
  }
  for (const value of [exposure?.iso, exposure?.aperture, exposure?.focalLength, location?.altitude]) {
    if (value !== null && value !== undefined) expect(Number.isFinite(value)).toBe(true);
  }
  if (exposure?.shutter) expect(exposure.shutter).toMatch(/^(1\/\d+|\d+(\.\d)?)$/);
  if (location) {
    expect(Math.abs(location.latitude)).toBeLessThanOrEqual(90);
    expect(Math.abs(location.longitude)).toBeLessThanOrEqual(180);
  }
}

// ---------------------------------------------------------------------------------------------
// Byte surgery on the JPEG fixtures.

/** The APP1 "Exif" segment of a JPEG: where it starts (its FF E1) and where its TIFF structure starts. */
function exifSegment(jpeg: Uint8Array): { app1: number; tiff: number } {
  const at = findAscii(jpeg, "Exif\0\0");
  expect(at, "the JPEG has an EXIF segment").toBeGreaterThan(0);
  expect([jpeg[at - 4], jpeg[at - 3]]).toEqual([0xff, 0xe1]);
  return { app1: at - 4, tiff: at + 6 };
}

function tiffIsLittleEndian(jpeg: Uint8Array, tiff: number): boolean {
  return jpeg[tiff] === 0x49;
}

/**
 * Overwrites fields of the entry for `tag` in IFD0 (0), the Exif IFD ("exif") or the GPS IFD ("gps") of a JPEG's EXIF
 * block: its type, its count, its value (or value offset) as a LONG, or its first value byte.
 */
function setEntry(
  jpeg: Uint8Array,
  ifd: 0 | "exif" | "gps",
  tag: number,
  fields: { type?: number; count?: number; value?: number; byte?: number },
): void {
  const { tiff } = exifSegment(jpeg);
  const le = tiffIsLittleEndian(jpeg, tiff);
  const view = new DataView(jpeg.buffer, jpeg.byteOffset + tiff);
  const entryIn = (offset: number, wanted: number): number => {
    const count = view.getUint16(offset, le);
    for (let i = 0; i < count; i++) {
      const entry = offset + 2 + i * 12;
      if (view.getUint16(entry, le) === wanted) return entry;
    }
    throw new Error(`no tag 0x${wanted.toString(16)} in the IFD at ${offset}`);
  };
  let offset = view.getUint32(4, le);
  if (ifd !== 0) offset = view.getUint32(entryIn(offset, ifd === "exif" ? 0x8769 : 0x8825) + 8, le);
  const entry = entryIn(offset, tag);
  if (fields.type !== undefined) view.setUint16(entry + 2, fields.type, le);
  if (fields.count !== undefined) view.setUint32(entry + 4, fields.count, le);
  if (fields.value !== undefined) view.setUint32(entry + 8, fields.value, le);
  if (fields.byte !== undefined) view.setUint8(entry + 8, fields.byte);
}

function replaceBytes(bytes: Uint8Array, placeholder: string, replacement: number[]): void {
  expect(replacement.length).toBe(placeholder.length);
  const at = findAscii(bytes, placeholder);
  expect(at, `${placeholder} is in the file`).toBeGreaterThan(0);
  bytes.set(replacement, at);
}

function findAscii(bytes: Uint8Array, text: string): number {
  const needle = ascii(text);
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function u16be(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

function u32be(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}
