// locationPatches (src/images/location-redaction.ts) on its own, inside workerd: on the EXIF fixtures of
// test/setup/photo-fixtures.ts (sharp's JPEG, PNG, WebP and AVIF, heif-enc's HEIC), on files whose EXIF lies past the
// first 256 KiB, read piece by piece as the file route reads a stored original, and on mutated files.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyPatches, type BytePatch, type LocationScan, locationPatches } from "../../src/images/location-redaction";
import { readPhotoMetadata, searchExifBlock } from "../../src/images/photo-metadata";
import { sniffImage } from "../../src/images/sniff";
// The tests' own CRC-32 (not the one under test in location-redaction.ts), to check the CRCs it writes.
import { crc32 } from "../fixtures/png-bomb";
import { photoFixture } from "../helpers/photo-fixtures";

const FORMATS = ["jpg", "png", "webp", "avif", "heic"] as const;
const HEAD = 256 * 1024;

function wholeFile(bytes: Uint8Array): LocationScan {
  return locationPatches({ size: bytes.length, pieces: [{ offset: 0, bytes }] });
}

/**
 * As the file route reads a stored original: its head, then what the walk asks for (here at least 4 KiB from where it
 * asks; the route reads at least 512 KiB). How many reads that took.
 */
function pieceByPiece(bytes: Uint8Array): { scan: LocationScan; reads: number } {
  const pieces = [{ offset: 0, bytes: bytes.slice(0, HEAD) }];
  let scan = locationPatches({ size: bytes.length, pieces });
  let reads = 1;
  for (; scan.kind === "need" && reads < 200; reads++) {
    expect(scan.offset + scan.length).toBeLessThanOrEqual(bytes.length);
    pieces.push({ offset: scan.offset, bytes: bytes.slice(scan.offset, scan.offset + Math.max(scan.length, 4096)) });
    scan = locationPatches({ size: bytes.length, pieces });
  }
  return { scan, reads };
}

function patchesOf(scan: LocationScan): BytePatch[] {
  if (scan.kind !== "patches") throw new Error(`expected patches, got ${JSON.stringify(scan)}`);
  return scan.patches;
}

/** GPSLatitude of the "full" case (48/1 51/1 2400/100) as six LONGs, in either byte order. */
function containsLatitude(bytes: Uint8Array): boolean {
  return [true, false].some((littleEndian) => {
    const needle = new Uint8Array(24);
    const view = new DataView(needle.buffer);
    for (const [i, n] of [48, 1, 51, 1, 2400, 100].entries()) view.setUint32(i * 4, n, littleEndian);
    outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
      for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
      return true;
    }
    return false;
  });
}

/** Each PNG chunk as [type, whether its CRC matches]. */
function pngChunks(png: Uint8Array): [string, boolean][] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: [string, boolean][] = [];
  for (let pos = 8; pos + 12 <= png.length; ) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...png.subarray(pos + 4, pos + 8));
    chunks.push([type, crc32(png.subarray(pos + 4, pos + 8 + length)) === view.getUint32(pos + 8 + length)]);
    pos += 12 + length;
  }
  return chunks;
}

describe("locationPatches: what it takes out of a photo", () => {
  it.each(FORMATS)(
    "%s: the location goes; date, camera, exposure, size, format and dimensions stay",
    async (format) => {
      const bytes = await photoFixture(`/exif/full.${format}`);
      const before = await readPhotoMetadata(bytes);
      expect(before.location).not.toBeNull();
      expect(containsLatitude(bytes)).toBe(true);

      const patches = patchesOf(wholeFile(bytes));
      expect(patches.length).toBeGreaterThan(0);
      for (const patch of patches) {
        expect(patch.offset).toBeGreaterThanOrEqual(0);
        expect(patch.offset + patch.bytes.length).toBeLessThanOrEqual(bytes.length);
      }
      const redacted = applyPatches(bytes, 0, patches);
      expect(redacted.length).toBe(bytes.length);
      expect(await readPhotoMetadata(redacted)).toEqual({ ...before, location: null });
      expect(containsLatitude(redacted)).toBe(false);
      // IFD0 keeps its other entries, in order, without GPSInfo (0x8825): no pointer to a GPS IFD is left at all.
      const tags = ifd0Tags(bytes);
      expect(tags).toContain(0x8825);
      expect(ifd0Tags(redacted)).toEqual(tags.filter((tag) => tag !== 0x8825));
      expect(sniffImage(redacted)).toEqual(sniffImage(bytes));
      // Nothing but the EXIF block changed: every patched byte lies within a few hundred bytes of the others.
      const changed = patches.reduce((sum, patch) => sum + patch.bytes.length, 0);
      expect(changed).toBeLessThan(600);

      // Taken out once, there is nothing left to take out.
      expect(patchesOf(wholeFile(redacted))).toEqual([]);
      // The input is not modified.
      expect(await readPhotoMetadata(bytes)).toEqual(before);
    },
  );

  it("png: the eXIf chunk's CRC is recomputed (with and without Exif\\0\\0 before the TIFF header)", async () => {
    const png = await photoFixture("/exif/full.png");
    const redacted = applyPatches(png, 0, patchesOf(wholeFile(png)));
    expect(pngChunks(redacted).filter(([, ok]) => !ok)).toEqual([]);
    expect(pngChunks(redacted).map(([type]) => type)).toContain("eXIf");

    // The same chunk with JPEG's prefix in front of the TIFF structure, as some writers make it.
    const prefixed = withExifPrefix(png);
    expect((await readPhotoMetadata(prefixed)).location).not.toBeNull();
    const redactedPrefixed = applyPatches(prefixed, 0, patchesOf(wholeFile(prefixed)));
    expect(pngChunks(redactedPrefixed).filter(([, ok]) => !ok)).toEqual([]);
    expect((await readPhotoMetadata(redactedPrefixed)).location).toBeNull();
    expect((await readPhotoMetadata(redactedPrefixed)).camera).not.toBeNull();
  });

  it("photos without a location get no patches", async () => {
    for (const name of ["none.jpg", "noOffset.jpg", "noOffset.png", "digitized.heic", "none.webp"]) {
      const bytes = await photoFixture(`/exif/${name}`);
      expect(wholeFile(bytes), name).toEqual({ kind: "patches", patches: [] });
    }
  });

  it("applyPatches on a range applies exactly the overlapping part of each patch", async () => {
    const bytes = await photoFixture("/exif/full.jpg");
    const patches = patchesOf(wholeFile(bytes));
    const redacted = applyPatches(bytes, 0, patches);
    for (const [start, end] of [
      [0, bytes.length],
      [0, 1],
      [patches[0]!.offset, patches[0]!.offset + 1],
      [patches[0]!.offset - 3, patches.at(-1)!.offset + 2],
      [patches[1]!.offset + 2, patches[1]!.offset + 5],
      [bytes.length - 100, bytes.length],
    ] as const) {
      expect(applyPatches(bytes.slice(start, end), start, patches)).toEqual(redacted.slice(start, end));
    }
  });
});

describe("locationPatches: reading a stored file piece by piece", () => {
  it.each(FORMATS)("%s: from the head alone, the same patches as from the whole file", async (format) => {
    const bytes = await photoFixture(`/exif/full.${format}`);
    const { scan, reads } = pieceByPiece(bytes);
    expect(scan).toEqual(wholeFile(bytes));
    expect(reads).toBe(1);
  });

  it.each([
    ["webp", 1], // the chunk header after the image data, and the EXIF chunk behind it
    ["avif", 1], // the EXIF item, after the image data in mdat
    ["png", 100], // the chunk headers after the head, 8 KiB apart (eXIf moved after the image data)
  ] as const)(
    "%s with its EXIF past the first 256 KiB: found by reading what the walk asks for",
    async (format, most) => {
      const bytes = await photoFixture(`/exif-far/full.${format}`);
      expect(bytes.length).toBeGreaterThan(HEAD);
      expect((await readPhotoMetadata(bytes)).location).not.toBeNull();
      const scan = patchesOf(wholeFile(bytes));
      expect(scan[0]!.offset).toBeGreaterThan(HEAD);
      const read = pieceByPiece(bytes);
      expect(read.scan).toEqual(wholeFile(bytes));
      expect(read.reads - 1).toBeGreaterThan(0);
      expect(read.reads - 1).toBeLessThanOrEqual(most);
      const redacted = applyPatches(bytes, 0, scan);
      expect((await readPhotoMetadata(redacted)).location).toBeNull();
      expect((await readPhotoMetadata(redacted)).camera?.make).toBe("Canon");
    },
  );
});

describe("locationPatches: malformed files", () => {
  it("never throws, stays inside the file, and whenever the reader finds a location the patches take it out", async () => {
    const files = await Promise.all(FORMATS.map((format) => photoFixture(`/exif/full.${format}`)));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: files.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        async (which, writes) => {
          const file = files[which]!;
          const mutated = file.slice();
          const exif = patchesOf(wholeFile(file))[0]!.offset; // near the EXIF block, where mutations matter
          for (const [at, value] of writes) mutated[Math.max(0, exif - 64) + (at % 700)] = value;
          const scan = wholeFile(mutated);
          if (scan.kind === "need") throw new Error("the whole file was given");
          if (scan.kind === "unredactable") return;
          for (const patch of scan.patches) {
            expect(patch.offset).toBeGreaterThanOrEqual(0);
            expect(patch.offset + patch.bytes.length).toBeLessThanOrEqual(mutated.length);
          }
          expect((await readPhotoMetadata(applyPatches(mutated, 0, scan.patches))).location).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a GPS IFD claiming 65535 entries, each with a huge value, is bounded by the block", async () => {
    const jpeg = await photoFixture("/exif/full.jpg");
    const patches = patchesOf(wholeFile(jpeg));
    const hostile = jpeg.slice();
    const gpsCount = gpsIfdOffset(jpeg);
    expect(patches.at(-1)!.offset - gpsCount).toBeLessThanOrEqual(1); // the last patch starts at the GPS IFD
    hostile[gpsCount] = 0xff;
    hostile[gpsCount + 1] = 0xff;
    const started = performance.now();
    const scan = wholeFile(hostile);
    expect(performance.now() - started).toBeLessThan(200);
    expect((await readPhotoMetadata(applyPatches(hostile, 0, patchesOf(scan)))).location).toBeNull();
  });
});

/** The PNG with "Exif\0\0" put in front of its eXIf chunk's TIFF structure (length and CRC made right). */
function withExifPrefix(png: Uint8Array): Uint8Array {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let pos = 8; pos + 12 <= png.length; ) {
    const length = view.getUint32(pos);
    if (String.fromCharCode(...png.subarray(pos + 4, pos + 8)) === "eXIf") {
      const data = new Uint8Array([
        ...new TextEncoder().encode("Exif\0\0"),
        ...png.subarray(pos + 8, pos + 8 + length),
      ]);
      const chunk = new Uint8Array(12 + data.length);
      const chunkView = new DataView(chunk.buffer);
      chunkView.setUint32(0, data.length);
      chunk.set(png.subarray(pos + 4, pos + 8), 4);
      chunk.set(data, 8);
      chunkView.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
      return new Uint8Array([...png.subarray(0, pos), ...chunk, ...png.subarray(pos + 12 + length)]);
    }
    pos += 12 + length;
  }
  throw new Error("no eXIf chunk");
}

/** Where the GPS IFD of a JPEG's EXIF block starts, in the file. */
function gpsIfdOffset(jpeg: Uint8Array): number {
  const tiff = jpeg.findIndex((_, i) => String.fromCharCode(...jpeg.subarray(i, i + 6)) === "Exif\0\0") + 6;
  const view = new DataView(jpeg.buffer, jpeg.byteOffset + tiff);
  const le = view.getUint8(0) === 0x49;
  const ifd0 = view.getUint32(4, le);
  for (let i = 0; i < view.getUint16(ifd0, le); i++) {
    const entry = ifd0 + 2 + i * 12;
    if (view.getUint16(entry, le) === 0x8825) return tiff + view.getUint32(entry + 8, le);
  }
  throw new Error("no GPSInfo entry");
}

/** The tags of IFD0 of a file's EXIF block, in file order. */
function ifd0Tags(bytes: Uint8Array): number[] {
  const search = searchExifBlock({ size: bytes.length, pieces: [{ offset: 0, bytes }] });
  if (search.kind !== "found") throw new Error("no EXIF block");
  const { tiff } = search.block;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const le = view.getUint8(0) === 0x49;
  const ifd0 = view.getUint32(4, le);
  return Array.from({ length: view.getUint16(ifd0, le) }, (_, i) => view.getUint16(ifd0 + 2 + i * 12, le));
}
