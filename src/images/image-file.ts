import { ApiError } from "../lib/problem";
import { applyPatches, type BytePatch, locationPatches } from "./location-redaction";
import { imageNotFound } from "./not-found";
import type { PhotoMetadata } from "./photo-metadata";
import type { ImageRow } from "./store/image-rows";

// The original file of an image over HTTP semantics: a strong ETag (the SHA-256), If-None-Match, single ranges; through
// a link, without the photo's location.

export type RangeRequest =
  | { kind: "none" }
  | { kind: "range"; offset: number; length: number }
  | { kind: "unsatisfiable" };

/**
 * One `bytes=` range (RFC 9110 §14.1.2). Multiple ranges and malformed headers are answered with the whole file,
 * as the RFC allows; a well-formed range outside the file is unsatisfiable (416).
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return { kind: "none" };
  const [, first, last] = match;
  if (!first && !last) return { kind: "none" };
  if (!first) {
    const suffix = Number(last);
    if (suffix === 0) return { kind: "unsatisfiable" };
    const length = Math.min(suffix, size);
    return { kind: "range", offset: size - length, length };
  }
  const start = Number(first);
  if (last && Number(last) < start) return { kind: "none" }; // invalid, so ignored
  const end = last ? Math.min(Number(last), size - 1) : size - 1;
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "range", offset: start, length: end - start + 1 };
}

/** Whether an If-None-Match header names this (strong) ETag, weakly compared as RFC 9110 asks for GET. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((candidate) => {
    const value = candidate.trim();
    return value === "*" || value === etag || value === `W/${etag}`;
  });
}

export type ImageFile =
  | { kind: "not-modified"; image: ImageRow; etag: string }
  | { kind: "full"; image: ImageRow; etag: string; body: ReadableStream | Uint8Array }
  | { kind: "range"; image: ImageRow; etag: string; body: ReadableStream | Uint8Array; offset: number; length: number };

/**
 * Who the original is served to: its owner (a bearer token) gets the stored bytes; a signed link (`url`, the legacy
 * layer's `data`) gets them without the photo's location (location-redaction.ts), same size, its own ETag.
 */
export type FileAudience = "owner" | "link";

/** The first bytes of an original read to find its EXIF block: where JPEG keeps it, and PNG and HEIF usually do. */
const LOCATION_HEAD_BYTES = 256 * 1024;
/** Reads after the head (each at least twice the size of the one before) before the whole file is read at once. */
const MAX_LOCATION_READS = 6;

/**
 * The bytes of the owner's image: nothing when `ifNoneMatch` already names them, one range when `range` asks for a
 * satisfiable single range, else the whole file. Through a link, a photo with a location is patched on the way out
 * (a range gets the patches that overlap it), under the ETag `"<sha256>-private"`; one without a location (or whose
 * file holds none) is served as stored, under the SHA-256.
 */
export async function readImageFile(
  bucket: R2Bucket,
  image: ImageRow,
  input: { ifNoneMatch?: string | undefined; range?: string | undefined; audience: FileAudience },
): Promise<ImageFile> {
  const location = input.audience === "owner" ? "none" : locationOf(image);
  // A photo known to have a location answers 304 without reading anything; one not read yet is looked at first.
  let found: LocationRead = { patches: [], pieces: [] };
  if (location === "unknown") found = await readLocation(bucket, image, false);
  const etag = location === "some" || found.patches.length > 0 ? privateEtagOf(image) : etagOf(image);
  if (matchesEtag(input.ifNoneMatch, etag)) return { kind: "not-modified", image, etag };
  if (location === "some") found = await readLocation(bucket, image, true);

  const range = parseRange(input.range, image.bytes);
  if (range.kind === "unsatisfiable") {
    throw new ApiError("range_not_satisfiable", `The file has ${image.bytes} bytes.`, {
      headers: { "Content-Range": `bytes */${image.bytes}` },
    });
  }
  const [offset, length] = range.kind === "range" ? [range.offset, range.length] : [0, image.bytes];
  const body = await readBytes(bucket, image, offset, length, found);
  return range.kind === "range"
    ? { kind: "range", image, etag, body, offset, length }
    : { kind: "full", image, etag, body };
}

/**
 * The bytes [offset, offset + length) with the patches applied: from memory when reading the location already read
 * them (a small photo, or a range of its head), else streamed from R2 and patched on the way.
 */
async function readBytes(
  bucket: R2Bucket,
  image: ImageRow,
  offset: number,
  length: number,
  { patches, pieces }: LocationRead,
): Promise<ReadableStream | Uint8Array> {
  const held = pieces.find((piece) => piece.offset <= offset && offset + length <= piece.offset + piece.bytes.length);
  if (held) {
    const at = offset - held.offset;
    return applyPatches(held.bytes.subarray(at, at + length), offset, patches);
  }
  const whole = offset === 0 && length === image.bytes;
  const object = await bucket.get(image.r2_key, whole ? {} : { range: { offset, length } });
  if (!object) throw objectMissing(image);
  return patchedStream(object.body, offset, length, patches);
}

/** A strong validator: the bytes never change under an image id. */
export function etagOf(image: Pick<ImageRow, "sha256">): string {
  return `"${image.sha256}"`;
}

/** The validator of the original without its location (the patches follow from the bytes, so it is strong too). */
export function privateEtagOf(image: Pick<ImageRow, "sha256">): string {
  return `"${image.sha256}-private"`;
}

/** Whether the photo has a location, by its library row; "unknown" until its metadata has been read. */
function locationOf(image: ImageRow): "some" | "none" | "unknown" {
  if (image.metadata === null) return "unknown";
  try {
    return (JSON.parse(image.metadata) as Partial<PhotoMetadata>).location ? "some" : "none";
  } catch {
    return "unknown";
  }
}

/** The patches that take a file's location out, and the pieces of it read to find them. */
interface LocationRead {
  patches: BytePatch[];
  pieces: { offset: number; bytes: Uint8Array }[];
}

/**
 * The patches that take the location out of the stored original: its head first, then what the walk asks for (each
 * read at least twice the size of the one before), then, if it still asks, all of it (at most the object's size,
 * which the upload limit bounds). A location that cannot be taken out (`expected`: the row says there is one, yet
 * the file shows none where the metadata was read from) is a 422: the original is then not served through a link.
 */
async function readLocation(bucket: R2Bucket, image: ImageRow, expected: boolean): Promise<LocationRead> {
  const size = image.bytes;
  const read = async (offset: number, length: number) => {
    const object = await bucket.get(image.r2_key, { range: { offset, length } });
    if (!object) throw objectMissing(image);
    return { offset, bytes: new Uint8Array(await object.arrayBuffer()) };
  };
  let pieces = size > 0 ? [await read(0, Math.min(size, LOCATION_HEAD_BYTES))] : [];
  let scan = locationPatches({ size, pieces });
  let window = LOCATION_HEAD_BYTES;
  for (let reads = 0; scan.kind === "need" && reads < MAX_LOCATION_READS; reads++) {
    window *= 2;
    pieces.push(await read(scan.offset, Math.min(size - scan.offset, Math.max(scan.length, window))));
    scan = locationPatches({ size, pieces });
  }
  if (scan.kind === "need") {
    pieces = [await read(0, size)];
    scan = locationPatches({ size, pieces });
  }
  if (scan.kind === "patches" && (scan.patches.length > 0 || !expected)) return { patches: scan.patches, pieces };
  console.error("location not removable", { imageId: image.id, key: image.r2_key, scan: scan.kind });
  throw new ApiError(
    "unprocessable",
    "This photo's location cannot be taken out of its original, so the original is not served through a link; " +
      "its renditions carry no location, and its owner can download it with a bearer token.",
  );
}

/** `body` (the file's bytes from `offset`, `length` of them) with the patches that overlap it applied. */
function patchedStream(body: ReadableStream, offset: number, length: number, patches: BytePatch[]): ReadableStream {
  const overlapping = patches.filter(
    (patch) => patch.offset < offset + length && patch.offset + patch.bytes.length > offset,
  );
  if (overlapping.length === 0) return body;
  let position = offset;
  const patcher = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
      controller.enqueue(applyPatches(bytes, position, overlapping));
      position += bytes.length;
    },
  });
  // A FixedLengthStream, so the response keeps its Content-Length instead of being chunked.
  return body.pipeThrough(patcher).pipeThrough(new FixedLengthStream(length));
}

function objectMissing(image: ImageRow): ApiError {
  console.error("image row without its object", { imageId: image.id, key: image.r2_key });
  return imageNotFound();
}
