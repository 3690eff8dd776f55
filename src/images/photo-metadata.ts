/**
 * What a photo says about itself in its EXIF block: when it was taken, with what, how, and where.
 *
 * Pure (bytes in, a value out, no I/O) and never throws: a file without EXIF, or with a malformed or hostile EXIF
 * block, gives EMPTY metadata (every field null), and a value that makes no sense gives null for that field only.
 *
 * How the bytes are read, and why it is bounded:
 * - This module finds the EXIF block (a TIFF structure) itself, by walking only the container's headers: JPEG
 *   segments up to the image data (APP1 "Exif"), PNG chunks (`eXIf`), WebP RIFF chunks (`EXIF`), and HEIC/HEIF/AVIF
 *   boxes (`meta` → `iinf` names the "Exif" item, `iloc` says where its bytes are). No pixel data is read, each walk
 *   has a fixed maximum number of steps, and every read is bounds-checked. A block larger than MAX_EXIF_BYTES is
 *   ignored (JPEG cannot hold more than 64 KiB in one segment; phones write a few KiB). The walk reads a FileView
 *   (searchExifBlock): the whole upload here; for location-redaction.ts, the pieces of a stored file read so far, and
 *   a read outside them answers which bytes to read next.
 * - exifr 7.1.3 then parses that block, as a custom build of its modular core: the core, its TIFF file parser and its
 *   TIFF/EXIF segment parser, no dictionaries (tags are read by number). It is the smallest build there is. Measured
 *   with `npm run check:bundle` against the Worker's 109.74 KiB gzip, importing only exifr: this build +6.7 KiB, the
 *   prebuilt `mini` bundle (JPEG only) +8.7, `lite` (JPEG, HEIC) +14.6, `full` (JPEG, HEIC, PNG, TIFF) +25.7; this
 *   module with its build: +10.2. No prebuilt bundle reads WebP; exifr's own HEIF parser finds no EXIF in the HEIC
 *   that Debian's heif-enc writes nor in the AVIF that sharp writes ("Malformed EXIF data": it ignores `iloc`'s
 *   base_offset, which libheif sets), and steps for ever over a box of size 0 before `meta`. Finding the block here
 *   covers all of it. exifr gets a Uint8Array and uses no Node API on this path: in the deployed Worker (no
 *   nodejs_compat) it sees no `process` or `Buffer`; in the tests (the pool turns nodejs_compat on) it sees them and
 *   takes the same path (its Node branches read file paths, and PNG's zlib, which this build does not contain).
 * - Before exifr sees the block, the IFDs this module reads (IFD0, the Exif IFD, the GPS IFD) are checked: each must
 *   lie inside the block, and so must the value of every tag read from it. exifr allocates a tag's array from the
 *   count the file claims before it checks the bounds: an ISO of 2^28 SHORTs made it allocate 512 MiB (1.5 s in the
 *   tests with this check removed; the deployed Worker has 128 MB). A bad IFD0 (or TIFF header) means no metadata; a
 *   bad Exif or GPS IFD means none of the fields it holds.
 * - exifr is asked for the few tags below only (`pick`), so it stops reading an IFD once it has them.
 *
 * When it was taken: DateTimeOriginal with OffsetTimeOriginal (else OffsetTime); when that date is absent or not a
 * date, CreateDate (DateTimeDigitized) with OffsetTimeDigitized (else OffsetTime).
 * - With an offset: `takenAt` is ISO 8601 with that offset ("2019-07-14T12:34:56+02:00"), `takenAtOffset` the offset
 *   ("+02:00"), `takenAtMs` the exact instant (epoch ms, UTC).
 * - Without one (older cameras, many scanners and editors): `takenAt` is the camera's wall-clock time as ISO 8601 local
 *   time, without offset or Z ("2019-07-14T12:34:56"), `takenAtOffset` is null, and `takenAtMs` reads that wall time
 *   as if it were UTC. The wall time is what the photographer saw and remembers; attaching any zone to it (the
 *   server's, the uploader's) would invent an instant and shift the shown time by hours. Sorting by the wall time read
 *   as UTC keeps such photos in the right order among themselves and within ±14 h of photos with an offset: good
 *   enough for a timeline, and the null offset says it is not an instant.
 * - Sane range: from 1900-01-01 to two days after now (a later date is a camera clock that was never set right;
 *   "0000:00:00 00:00:00", which cameras write for "unknown", is not a date either).
 *
 * Strings (make, model, lens) end at their first NUL, are stripped of control and format characters (C0, C1, DEL,
 * bidirectional overrides, zero-width characters; tabs and line breaks become spaces), have runs of white space
 * collapsed, are trimmed and capped at MAX_TEXT_LENGTH characters; empty means null. Numbers must be finite and in a
 * plausible range. A location needs both latitude and longitude with their N/S and E/W references, and degrees,
 * minutes and seconds in range; exactly 0°, 0° (what devices without a fix write) is no location.
 */
import { Exifr } from "exifr/src/core.mjs";
import "exifr/src/file-parsers/tiff.mjs";
import "exifr/src/segment-parsers/tiff-exif.mjs";
import { ascii, has, startsWithAscii, u16be, u16le, u32be, u32le, within } from "../lib/bytes";
import { type Box, isoBoxes } from "./iso-boxes";

export interface PhotoMetadata {
  /** ISO 8601: with the offset when the photo has one, else the camera's local wall-clock time (no offset, no Z). */
  takenAt: string | null;
  /** "+02:00", or null when the photo does not say (takenAt is then a wall-clock time). */
  takenAtOffset: string | null;
  /** For sorting: epoch ms of the instant; without an offset, of the wall-clock time read as UTC. */
  takenAtMs: number | null;
  camera: { make: string | null; model: string | null; lens: string | null } | null;
  exposure: {
    iso: number | null;
    /** The f-number: 2.8 for f/2.8. */
    aperture: number | null;
    /** "1/250" up to a quarter second, else seconds: "0.3", "2", "30". */
    shutter: string | null;
    /** Millimetres, as the lens reports it (not the 35 mm equivalent). */
    focalLength: number | null;
  } | null;
  /** WGS 84 degrees, north and east positive; altitude in metres above sea level. */
  location: { latitude: number; longitude: number; altitude: number | null } | null;
}

/** The metadata of a photo that has none, or none that can be trusted. */
export function emptyPhotoMetadata(): PhotoMetadata {
  return { takenAt: null, takenAtOffset: null, takenAtMs: null, camera: null, exposure: null, location: null };
}

/** The largest EXIF block read. */
export const MAX_EXIF_BYTES = 256 * 1024;
/** The longest make, model or lens name kept, in characters. */
export const MAX_TEXT_LENGTH = 100;

export async function readPhotoMetadata(bytes: Uint8Array): Promise<PhotoMetadata> {
  try {
    const found = findExifBlock(new FileReader({ size: bytes.length, pieces: [{ offset: 0, bytes }] }));
    if (!found) return emptyPhotoMetadata();
    const { tiff } = found;
    const usable = checkTiff(tiff);
    if (!usable) return emptyPhotoMetadata();
    const exifr = new Exifr(EXIFR_OPTIONS[`${usable.exif}/${usable.gps}`]!);
    // A copy: exifr sees the block and nothing around it.
    await exifr.read(tiff.slice());
    const output = await exifr.parse();
    return toMetadata(block(output, "ifd0"), block(output, "exif"), block(output, "gps"));
  } catch {
    // Unreachable by construction (the block is checked before exifr reads it, and exifr collects its own errors);
    // kept so that "never throws" holds even if a future edit slips.
    return emptyPhotoMetadata();
  }
}

// ---------------------------------------------------------------------------------------------
// The tags read (by number: the build has no dictionaries), and exifr's options for them.

const TAG = {
  make: 0x010f,
  model: 0x0110,
  exifIfd: 0x8769,
  gpsIfd: 0x8825,
  exposureTime: 0x829a,
  fNumber: 0x829d,
  iso: 0x8827,
  dateTimeOriginal: 0x9003,
  createDate: 0x9004,
  offsetTime: 0x9010,
  offsetTimeOriginal: 0x9011,
  offsetTimeDigitized: 0x9012,
  focalLength: 0x920a,
  lensModel: 0xa434,
  gpsLatitudeRef: 0x0001,
  gpsLatitude: 0x0002,
  gpsLongitudeRef: 0x0003,
  gpsLongitude: 0x0004,
  gpsAltitudeRef: 0x0005,
  gpsAltitude: 0x0006,
} as const;

const IFD0_TAGS = [TAG.make, TAG.model];
const EXIF_TAGS = [
  TAG.exposureTime,
  TAG.fNumber,
  TAG.iso,
  TAG.dateTimeOriginal,
  TAG.createDate,
  TAG.offsetTime,
  TAG.offsetTimeOriginal,
  TAG.offsetTimeDigitized,
  TAG.focalLength,
  TAG.lensModel,
];
const GPS_TAGS = [
  TAG.gpsLatitudeRef,
  TAG.gpsLatitude,
  TAG.gpsLongitudeRef,
  TAG.gpsLongitude,
  TAG.gpsAltitudeRef,
  TAG.gpsAltitude,
];

/**
 * One options object per combination of usable IFDs, made once: exifr caches its parsed options by object identity
 * for ever, so a fresh object per call would grow that cache without bound.
 */
const EXIFR_OPTIONS: Record<string, object> = {};
for (const exif of [true, false]) {
  for (const gps of [true, false]) {
    EXIFR_OPTIONS[`${exif}/${gps}`] = {
      ifd0: IFD0_TAGS,
      exif: exif ? EXIF_TAGS : false,
      gps: gps ? GPS_TAGS : false,
      ifd1: false,
      interop: false,
      xmp: false,
      icc: false,
      iptc: false,
      jfif: false,
      ihdr: false,
      makerNote: false,
      userComment: false,
      translateKeys: false,
      translateValues: false,
      reviveValues: false,
      sanitize: true,
      mergeOutput: false,
      // A failing Exif or GPS IFD is recorded in `errors` (ignored here) and costs only its own fields.
      silentErrors: true,
    };
  }
}

/** One IFD of exifr's output (`{ ifd0: { "271": "Canon" }, exif: {…}, gps: {…} }`), keyed by tag number. */
function block(output: Record<string, unknown> | undefined, name: string): Map<number, unknown> {
  const found = output?.[name];
  const map = new Map<number, unknown>();
  if (found && typeof found === "object") {
    for (const [key, value] of Object.entries(found)) map.set(Number(key), value);
  }
  return map;
}

// ---------------------------------------------------------------------------------------------
// From exifr's raw values to validated fields.

function toMetadata(ifd0: Map<number, unknown>, exif: Map<number, unknown>, gps: Map<number, unknown>): PhotoMetadata {
  const metadata = emptyPhotoMetadata();

  const taken =
    takenAt(exif.get(TAG.dateTimeOriginal), exif.get(TAG.offsetTimeOriginal) ?? exif.get(TAG.offsetTime)) ??
    takenAt(exif.get(TAG.createDate), exif.get(TAG.offsetTimeDigitized) ?? exif.get(TAG.offsetTime));
  if (taken) Object.assign(metadata, taken);

  const camera = {
    make: text(ifd0.get(TAG.make)),
    model: text(ifd0.get(TAG.model)),
    lens: text(exif.get(TAG.lensModel)),
  };
  if (camera.make !== null || camera.model !== null || camera.lens !== null) metadata.camera = camera;

  const exposureTime = inRange(first(exif.get(TAG.exposureTime)), 1e-6, 86_400);
  const iso = inRange(first(exif.get(TAG.iso)), 1, 10_000_000);
  const exposure = {
    iso: iso === null ? null : Math.round(iso),
    aperture: round(inRange(first(exif.get(TAG.fNumber)), 0.5, 512), 2),
    shutter: exposureTime === null ? null : shutterText(exposureTime),
    focalLength: round(inRange(first(exif.get(TAG.focalLength)), 0.1, 10_000), 2),
  };
  if (Object.values(exposure).some((value) => value !== null)) metadata.exposure = exposure;

  metadata.location = location(gps);
  return metadata;
}

const DATE_TIME = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;
const OFFSET = /^([+-])(\d{2}):(\d{2})$/;
const MIN_TAKEN_MS = Date.UTC(1900, 0, 1);
const DAY_MS = 86_400_000;

function takenAt(
  dateValue: unknown,
  offsetValue: unknown,
): Pick<PhotoMetadata, "takenAt" | "takenAtOffset" | "takenAtMs"> | null {
  if (typeof dateValue !== "string") return null;
  const match = DATE_TIME.exec(dateValue.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Before 1900 is out of range anyway, and Date.UTC would read years 0–99 as 1900–1999.
  if (year < 1900 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 June over into 1 July: a day that does not exist in its month is not a date.
  if (new Date(wallMs).getUTCDate() !== day) return null;
  const local = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}`;

  const offset = offsetOf(offsetValue);
  const ms = offset === null ? wallMs : wallMs - offset.minutes * 60_000;
  if (ms < MIN_TAKEN_MS || ms > Date.now() + 2 * DAY_MS) return null;
  return offset === null
    ? { takenAt: local, takenAtOffset: null, takenAtMs: ms }
    : { takenAt: local + offset.text, takenAtOffset: offset.text, takenAtMs: ms };
}

/** "+02:00" → 120 minutes east of UTC; anything outside −12:00…+14:00 is no offset. */
function offsetOf(value: unknown): { text: string; minutes: number } | null {
  if (typeof value !== "string") return null;
  const match = OFFSET.exec(value.trim());
  if (!match) return null;
  const hours = Number(match[2]);
  const minutes = Number(match[3]);
  if (minutes > 59) return null;
  const total = (match[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
  if (total < -12 * 60 || total > 14 * 60) return null;
  // "-00:00" (RFC 3339's "offset unknown") is not used by EXIF; written as UTC it reads "+00:00".
  return { text: `${total < 0 ? "-" : "+"}${match[2]}:${match[3]}`, minutes: total };
}

/** exiftool's convention: "1/250" up to a quarter second, else seconds with at most one decimal ("0.3", "2", "30"). */
function shutterText(seconds: number): string {
  if (seconds <= 0.25001) return `1/${Math.round(1 / seconds)}`;
  return seconds.toFixed(1).replace(/\.0$/, "");
}

function location(gps: Map<number, unknown>): PhotoMetadata["location"] {
  const latitude = coordinate(gps.get(TAG.gpsLatitude), gps.get(TAG.gpsLatitudeRef), "N", "S", 90);
  const longitude = coordinate(gps.get(TAG.gpsLongitude), gps.get(TAG.gpsLongitudeRef), "E", "W", 180);
  if (latitude === null || longitude === null || (latitude === 0 && longitude === 0)) return null;
  return { latitude, longitude, altitude: altitude(gps.get(TAG.gpsAltitude), gps.get(TAG.gpsAltitudeRef)) };
}

/** Degrees, minutes, seconds (three rationals) and a reference → signed decimal degrees, or null. */
function coordinate(value: unknown, ref: unknown, positive: string, negative: string, max: number): number | null {
  if (!isNumberList(value) || value.length !== 3) return null;
  const [degrees, minutes, seconds] = value as [number, number, number];
  if (![degrees, minutes, seconds].every((n) => Number.isFinite(n) && n >= 0)) return null;
  if (minutes >= 60 || seconds >= 60) return null;
  const sign = ref === positive ? 1 : ref === negative ? -1 : 0;
  if (sign === 0) return null;
  const decimal = degrees + minutes / 60 + seconds / 3600;
  if (decimal > max) return null;
  return sign * round(decimal, 7)! + 0; // + 0: no -0 for 0° S
}

/** Metres, negative below sea level (reference 1); the reference defaults to 0 (above) as EXIF says. */
function altitude(value: unknown, ref: unknown): number | null {
  const metres = inRange(first(value), 0, 100_000);
  const below = ref === undefined ? 0 : first(ref);
  if (metres === null || (below !== 0 && below !== 1)) return null;
  const signed = below === 1 ? -metres : metres;
  return signed < -12_000 || signed > 50_000 ? null : round(signed, 1);
}

// ---------------------------------------------------------------------------------------------
// Value helpers.

/** A number, or the first of a list of numbers (ISO may be written as two values, BYTE tags come as arrays). */
function first(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (isNumberList(value) && value.length >= 1 && typeof value[0] === "number") return value[0];
  return null;
}

function isNumberList(value: unknown): value is ArrayLike<number> {
  return (
    (Array.isArray(value) || ArrayBuffer.isView(value)) &&
    !(value instanceof DataView) &&
    Array.from(value as ArrayLike<unknown>).every((n) => typeof n === "number")
  );
}

function inRange(value: number | null, min: number, max: number): number | null {
  return value !== null && Number.isFinite(value) && value >= min && value <= max ? value : null;
}

function round(value: number | null, decimals: number): number | null {
  if (value === null) return null;
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** Control (Cc) and format (Cf: bidi overrides, zero-width) characters, and U+FFFD from undecodable bytes. */
const INVISIBLE = /[\p{Cc}\p{Cf}\uFFFD]/gu;

function text(value: unknown): string | null {
  if (typeof value !== "string") return null;
  // EXIF strings end at their first NUL (what follows is padding or garbage). Tabs and line breaks separate words;
  // every other invisible character goes.
  const end = value.indexOf("\0");
  const cleaned = (end === -1 ? value : value.slice(0, end))
    .replace(INVISIBLE, (c) => (/\s/.test(c) ? " " : ""))
    .replace(/\s+/g, " ")
    .trim();
  if (cleaned === "") return null;
  return Array.from(cleaned).slice(0, MAX_TEXT_LENGTH).join("").trim();
}

// ---------------------------------------------------------------------------------------------
// Finding the EXIF block (a TIFF structure) in the container. Every read is bounds-checked and every walk has a
// fixed maximum number of steps. The walk reads a FileView: the whole file for an upload, or (to serve a file
// without its location, location-redaction.ts) the pieces of a stored file read so far; a read outside them stops
// the walk and says which bytes to read (the walk is then run again with them).

/** A file as far as it has been read: its size, and pieces of it (all of it in one piece, for an upload). */
export interface FileView {
  size: number;
  pieces: readonly { offset: number; bytes: Uint8Array }[];
}

/** Where a file's EXIF block is, as readPhotoMetadata finds it. */
export interface ExifBlock {
  /** The TIFF structure (its header first), a view of the file's bytes, and where in the file it starts. */
  tiff: Uint8Array;
  offset: number;
  /** PNG: the `eXIf` chunk holding it, whose CRC (over its type and data) follows the data. */
  pngChunk: { typeOffset: number; dataLength: number } | null;
}

export type ExifBlockSearch =
  | { kind: "found"; block: ExifBlock }
  | { kind: "none" }
  /** The walk needs bytes of the file that are not in the view. */
  | { kind: "need"; offset: number; length: number };

/** The EXIF block of the file as far as `view` shows it. Never throws. */
export function searchExifBlock(view: FileView): ExifBlockSearch {
  try {
    const block = findExifBlock(new FileReader(view));
    return block ? { kind: "found", block } : { kind: "none" };
  } catch (error) {
    if (error instanceof NotRead) return { kind: "need", offset: error.offset, length: error.length };
    return { kind: "none" }; // unreachable by construction (every read is bounds-checked)
  }
}

/** Thrown by FileReader for bytes inside the file that the view does not hold. */
class NotRead {
  constructor(
    readonly offset: number,
    readonly length: number,
  ) {}
}

/** Reads of a FileView: bounds are the file's; bytes outside the file read as 0, bytes not read throw NotRead. */
class FileReader {
  readonly size: number;
  constructor(private readonly view: FileView) {
    this.size = view.size;
  }

  /** Whether [offset, offset + length) lies inside the file (read or not). */
  has(offset: number, length: number): boolean {
    return within(this.size, offset, length);
  }

  /** The bytes [offset, offset + length) of the file, which must lie inside it (has() first). */
  bytes(offset: number, length: number): Uint8Array {
    for (const piece of this.view.pieces) {
      const at = offset - piece.offset;
      if (at >= 0 && at + length <= piece.bytes.length) return piece.bytes.subarray(at, at + length);
    }
    throw new NotRead(offset, length);
  }

  /** The bytes of [offset, offset + length) that lie inside the file. */
  private clipped(offset: number, length: number): Uint8Array {
    const start = Math.max(0, offset);
    const end = Math.min(this.size, offset + length);
    return end > start ? this.bytes(start, end - start) : new Uint8Array(0);
  }

  u8(i: number): number {
    return this.clipped(i, 1)[0] ?? 0;
  }

  u16be(i: number): number {
    return this.has(i, 2) ? u16be(this.bytes(i, 2), 0) : 0;
  }

  u32be(i: number): number {
    return this.has(i, 4) ? u32be(this.bytes(i, 4), 0) : 0;
  }

  u32le(i: number): number {
    return this.has(i, 4) ? u32le(this.bytes(i, 4), 0) : 0;
  }

  /** A big-endian unsigned integer of 0, 2, 4 or 8 bytes (8: exact up to 2^53, else past any file's end). */
  uint(i: number, size: number): number {
    if (size === 0) return 0;
    if (size === 2) return this.u16be(i);
    if (size === 4) return this.u32be(i);
    return this.u32be(i) * 2 ** 32 + this.u32be(i + 4);
  }

  ascii(offset: number, length: number): string {
    return ascii(this.clipped(offset, length), 0, length);
  }

  startsWithAscii(offset: number, s: string): boolean {
    return this.has(offset, s.length) && startsWithAscii(this.bytes(offset, s.length), 0, s);
  }
}

function findExifBlock(f: FileReader): ExifBlock | null {
  let found: { start: number; end: number; pngChunk?: ExifBlock["pngChunk"] } | null = null;
  if (f.u8(0) === 0xff && f.u8(1) === 0xd8) found = jpegExif(f);
  else if (f.u8(0) === 0x89 && f.startsWithAscii(1, "PNG\r\n\x1a\n")) found = pngExif(f);
  else if (f.startsWithAscii(0, "RIFF") && f.startsWithAscii(8, "WEBP")) found = webpExif(f);
  else if (f.startsWithAscii(4, "ftyp")) found = heifExif(f);
  if (!found) return null;
  const length = found.end - found.start;
  if (length < 8 || length > MAX_EXIF_BYTES) return null;
  return { tiff: f.bytes(found.start, length), offset: found.start, pngChunk: found.pngChunk ?? null };
}

/** JPEG: the APP1 segment that starts with "Exif\0\0", among the segments before the image data (SOS). */
function jpegExif(f: FileReader): { start: number; end: number } | null {
  let pos = 2;
  for (let step = 0; step < 256 && f.has(pos, 4); step++) {
    if (f.u8(pos) !== 0xff) return null;
    const marker = f.u8(pos + 1);
    if (marker === 0xff) {
      pos += 1; // a fill byte before a marker
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // image data, or the end: no metadata after this
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2; // markers without a length
      continue;
    }
    const length = f.u16be(pos + 2);
    if (length < 2 || !f.has(pos + 2, length)) return null;
    if (marker === 0xe1 && length >= 8 && f.startsWithAscii(pos + 4, "Exif\0\0")) {
      return { start: pos + 10, end: pos + 2 + length };
    }
    pos += 2 + length;
  }
  return null;
}

/** PNG: the `eXIf` chunk (PNG 1.5 / third edition), among the chunk headers (chunk data is skipped, not read). */
function pngExif(f: FileReader): { start: number; end: number; pngChunk: ExifBlock["pngChunk"] } | null {
  let pos = 8;
  for (let step = 0; step < 10_000 && f.has(pos, 12); step++) {
    const length = f.u32be(pos);
    const type = f.ascii(pos + 4, 4);
    if (!f.has(pos + 8, length + 4)) return null;
    if (type === "eXIf") {
      return {
        ...withoutExifPrefix(f, pos + 8, pos + 8 + length),
        pngChunk: { typeOffset: pos + 4, dataLength: length },
      };
    }
    if (type === "IEND") return null;
    pos += 12 + length;
  }
  return null;
}

/** WebP: the `EXIF` chunk of an extended (VP8X) file. */
function webpExif(f: FileReader): { start: number; end: number } | null {
  let pos = 12;
  for (let step = 0; step < 256 && f.has(pos, 8); step++) {
    const type = f.ascii(pos, 4); // the header in one read: a stored file's may lie past what has been read
    const length = f.u32le(pos + 4);
    if (!f.has(pos + 8, length)) return null;
    if (type === "EXIF") return withoutExifPrefix(f, pos + 8, pos + 8 + length);
    pos += 8 + length + (length % 2); // chunks are padded to an even size
  }
  return null;
}

/** Some writers put JPEG's "Exif\0\0" in front of the TIFF structure in PNG and WebP too. */
function withoutExifPrefix(f: FileReader, start: number, end: number): { start: number; end: number } {
  return end - start >= 6 && f.startsWithAscii(start, "Exif\0\0") ? { start: start + 6, end } : { start, end };
}

/**
 * HEIC/HEIF/AVIF: the item of type "Exif" (named in `iinf`), whose bytes `iloc` locates; they start with a 4-byte
 * offset to the TIFF header (usually 6, skipping "Exif\0\0", or 0). Only the top-level box headers up to `meta`,
 * `meta` itself and the item are read: in a file written with `mdat` first, or with the item after the image data
 * (as sharp writes AVIF), that is a few reads of a stored file, not all of it.
 */
function heifExif(f: FileReader): { start: number; end: number } | null {
  const meta = isoBoxes(f, 0, f.size, 64, "meta").find((box) => box.type === "meta");
  if (!meta) return null;
  const inMeta = isoBoxes(f, meta.start + 4, meta.end, 64); // a full box: version and flags first
  const iinf = inMeta.find((box) => box.type === "iinf");
  const iloc = inMeta.find((box) => box.type === "iloc");
  if (!iinf || !iloc) return null;
  const id = exifItemId(f, iinf);
  if (id === null) return null;
  const idat = inMeta.find((box) => box.type === "idat");
  const extent = itemExtent(f, iloc, id, idat ?? null);
  if (!extent) return null;
  const [start, length] = extent;
  if (length < 4 || !f.has(start, length)) return null;
  const headerOffset = f.u32be(start);
  if (headerOffset > length - 4) return null;
  return { start: start + 4 + headerOffset, end: start + length };
}

/** The id of the "Exif" item in `iinf` (item info entries of version 2 or 3). */
function exifItemId(f: FileReader, iinf: Box): number | null {
  const version = f.u8(iinf.start);
  const countSize = version === 0 ? 2 : 4;
  if (!f.has(iinf.start + 4, countSize)) return null;
  for (const infe of isoBoxes(f, iinf.start + 4 + countSize, iinf.end, 1024)) {
    if (infe.type !== "infe" || !f.has(infe.start, 4)) continue;
    const infeVersion = f.u8(infe.start);
    if (infeVersion < 2) continue;
    const idSize = infeVersion === 2 ? 2 : 4;
    const at = infe.start + 4;
    if (at + idSize + 6 > infe.end) continue;
    if (f.ascii(at + idSize + 2, 4) === "Exif") return f.uint(at, idSize);
  }
  return null;
}

/**
 * Where item `id`'s bytes are, by `iloc` (versions 0–2): [file offset, length]. Only a single extent in the file
 * (construction method 0) or in `idat` (method 1) is supported; that is what HEIF writers use for EXIF.
 */
function itemExtent(f: FileReader, iloc: Box, id: number, idat: Box | null): [number, number] | null {
  const version = f.u8(iloc.start);
  if (version !== 0 && version !== 1 && version !== 2) return null;
  let pos = iloc.start + 4;
  if (!f.has(pos, 2)) return null;
  const offsetSize = f.u8(pos) >> 4;
  const lengthSize = f.u8(pos) & 0xf;
  const baseOffsetSize = f.u8(pos + 1) >> 4;
  const indexSize = version === 0 ? 0 : f.u8(pos + 1) & 0xf;
  if (![offsetSize, lengthSize, baseOffsetSize, indexSize].every((size) => size === 0 || size === 4 || size === 8)) {
    return null;
  }
  pos += 2;
  const idSize = version === 2 ? 4 : 2;
  if (pos + idSize > iloc.end) return null;
  const itemCount = f.uint(pos, idSize);
  pos += idSize;
  const end = iloc.end;
  for (let item = 0; item < Math.min(itemCount, 4096); item++) {
    if (pos + idSize > end) return null;
    const itemId = f.uint(pos, idSize);
    pos += idSize;
    let method = 0;
    if (version >= 1) {
      if (pos + 2 > end) return null;
      method = f.u16be(pos) & 0xf;
      pos += 2;
    }
    if (pos + 2 + baseOffsetSize + 2 > end) return null;
    pos += 2; // data_reference_index
    const baseOffset = f.uint(pos, baseOffsetSize);
    pos += baseOffsetSize;
    const extentCount = f.u16be(pos);
    pos += 2;
    const extentSize = indexSize + offsetSize + lengthSize;
    if (pos + extentCount * extentSize > end) return null;
    if (itemId === id) {
      if (extentCount !== 1) return null;
      const offset = baseOffset + f.uint(pos + indexSize, offsetSize);
      const length = f.uint(pos + indexSize + offsetSize, lengthSize);
      if (method === 0) return [offset, length];
      if (method === 1 && idat && offset + length <= idat.end - idat.start) return [idat.start + offset, length];
      return null;
    }
    pos += extentCount * extentSize;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The TIFF structure: which of the IFDs read here can be handed to exifr safely.

/** Bytes per value of each TIFF type (1 BYTE … 12 DOUBLE, 13 IFD); 0 for an unknown type. */
export const TIFF_TYPE_SIZES: readonly number[] = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];

/**
 * Whether the TIFF header and IFD0 are sound (else null), and whether the Exif and GPS IFDs are: each IFD must lie
 * inside the block, and so must the value of every tag that exifr will read from it (an IFD pointer must be one LONG).
 */
function checkTiff(t: Uint8Array): { exif: boolean; gps: boolean } | null {
  const order = ascii(t, 0, 2);
  if (order !== "II" && order !== "MM") return null;
  const le = order === "II";
  const u16 = (i: number) => (le ? u16le(t, i) : u16be(t, i));
  const u32 = (i: number) => (le ? u32le(t, i) : u32be(t, i));
  if (u16(2) !== 42) return null;

  /** The entries of the IFD at `offset` for `tags` (tag → entry position), or null if the IFD is unsafe. */
  const ifd = (offset: number, tags: readonly number[]): Map<number, number> | null => {
    if (offset < 8 || !has(t, offset, 2)) return null;
    const count = u16(offset);
    if (!has(t, offset + 2, count * 12)) return null;
    const entries = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const entry = offset + 2 + i * 12;
      const tag = u16(entry);
      if (!tags.includes(tag)) continue;
      const typeSize = TIFF_TYPE_SIZES[u16(entry + 2)];
      if (!typeSize) return null; // an unknown type: exifr would fail on it
      const size = typeSize * u32(entry + 4);
      if (size > 4 && !has(t, u32(entry + 8), size)) return null;
      if (!entries.has(tag)) entries.set(tag, entry);
    }
    return entries;
  };
  /** The IFD an IFD0 pointer entry points to, if the pointer is one LONG (or IFD) value. */
  const pointer = (entry: number | undefined): number | null => {
    if (entry === undefined) return null;
    const type = u16(entry + 2);
    return (type === 4 || type === 13) && u32(entry + 4) === 1 ? u32(entry + 8) : null;
  };

  const ifd0 = ifd(u32(4), [...IFD0_TAGS, TAG.exifIfd, TAG.gpsIfd]);
  if (!ifd0) return null;
  const exifAt = pointer(ifd0.get(TAG.exifIfd));
  const gpsAt = pointer(ifd0.get(TAG.gpsIfd));
  return {
    exif: exifAt !== null && ifd(exifAt, EXIF_TAGS) !== null,
    gps: gpsAt !== null && ifd(gpsAt, GPS_TAGS) !== null,
  };
}
