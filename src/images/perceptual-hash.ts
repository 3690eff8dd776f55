/**
 * A perceptual hash of a photo, to find near-duplicates: the same picture resized, recompressed or slightly cropped.
 *
 * 64-bit dHash ("difference hash"): the upright photo squeezed to 9×8 pixels of luminance; bit (row r, column c) is
 * 1 when pixel (r, c + 1) is brighter than pixel (r, c). Bits row by row, most significant first, as 16 hex digits.
 * Two photos are near-duplicates when their hashes differ in at most NEAR_DUPLICATE_DISTANCE bits.
 *
 * The Worker cannot decode a JPEG or a HEIC, so the Images binding does the decoding and resizing (Cloudflare Images in
 * production, the local image engine in tests): `fit: "squeeze"` is documented as "scale to exact dimensions,
 * distorting if needed", and upscaling, so the answer is exactly 9×8 whatever the photo's size and aspect ratio, after
 * the EXIF orientation or HEIF rotation has been applied (Cloudflare applies it before resizing). It answers with a
 * PNG, which this module decodes itself: DecompressionStream("deflate") inflates the zlib stream, then the PNG filters
 * are undone. Every colour type and bit depth of PNG is handled (grayscale, RGB, palette, with alpha; 1–16 bits;
 * Adam7 interlacing), so whichever PNG the binding chooses to write is read; a transparent pixel counts as white
 * (the binding's default background). The answer must be exactly 9×8 and at most MAX_HASH_PNG_BYTES, and inflating
 * stops at the bytes a 9×8 image can have: a wrong or hostile answer is an error, never a hash of something else.
 */
import { u32be } from "../lib/bytes";
import { concatBytes } from "../lib/encoding";

/**
 * At most this many of the 64 bits apart: the same picture. Chosen from distances measured on 17 real photos
 * (scikit-image's sample photos from Debian's python3-skimage: scenes, portraits, gray and colour, textures,
 * microscopy, space) through the local image engine, by test/photos/perceptual-hash.test.ts, which prints them:
 * - a copy at half size: 0–5 bits for 15 photos, 10 for cell.png, 20 for brick.png (median 2);
 * - a JPEG at quality 40: 0–5 for 16 photos, 28 for brick.png (median 2);
 * - cropped by 1% / 3% / 5% on every side: medians 3 / 7 / 12 (maxima 21 / 33 / 31);
 * - mirrored: 16–64 (median 30);
 * - two different photos (136 pairs): 11–45 (median 32); the closest are the two views of a stereo pair (the same
 *   motorcycle from a slightly shifted viewpoint) at 11, then two unrelated photos at 16.
 * 10 keeps every resized and recompressed copy except of brick.png inside, and every pair of different photos and
 * every mirror image outside; it catches most 1–3% crops and few 5% ones. brick.png (a brick wall filling the frame)
 * has no structure at 9×8: its neighbouring cells differ by less than resampling and JPEG noise, so its bits are
 * unstable and its copies are missed; a larger threshold would not save it (20, 28) and would start to join
 * unrelated photos (pairs at 16, 19, 21).
 */
export const NEAR_DUPLICATE_DISTANCE = 10;

/** The largest PNG accepted from the Images binding for a 9×8 image (they are a few hundred bytes). */
export const MAX_HASH_PNG_BYTES = 64 * 1024;

const WIDTH = 9;
const HEIGHT = 8;

/** The dHash of a photo (any format the Images binding reads: JPEG, PNG, WebP, GIF, HEIC, AVIF), 16 hex digits. */
export async function perceptualHash(images: ImagesBinding, bytes: Uint8Array): Promise<string> {
  const result = await images
    .input(new Blob([bytes]).stream())
    .transform({ width: WIDTH, height: HEIGHT, fit: "squeeze" })
    .output({ format: "image/png" });
  const png = await readAtMost(result.image(), MAX_HASH_PNG_BYTES, "the Images binding's PNG");
  return dHash(await pngLuminance(png, WIDTH, HEIGHT));
}

/** How many bits two hashes differ in (0–64). Throws on anything but two 16-hex-digit hashes. */
export function hashDistance(a: string, b: string): number {
  if (!HASH.test(a) || !HASH.test(b)) throw new TypeError("a perceptual hash is 16 hexadecimal digits");
  const [aHigh, aLow] = hashHalves(a);
  const [bHigh, bLow] = hashHalves(b);
  return popCount(aHigh ^ bHigh) + popCount(aLow ^ bLow);
}

/** A hash's 64 bits as two unsigned 32-bit numbers (high, low), for counting differing bits with popCount. */
export function hashHalves(phash: string): [high: number, low: number] {
  return [Number.parseInt(phash.slice(0, 8), 16), Number.parseInt(phash.slice(8), 16)];
}

const HASH = /^[0-9a-f]{16}$/i;

/** The number of 1 bits of a 32-bit value (the classic SWAR count: no loop, no branch). */
export function popCount(n: number): number {
  let v = n >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** 9×8 luminances (row-major) → 64 bits: right neighbour brighter → 1. */
function dHash(luma: Float64Array): string {
  let hex = "";
  for (let row = 0; row < HEIGHT; row++) {
    let byte = 0;
    for (let col = 0; col < WIDTH - 1; col++) {
      const left = luma[row * WIDTH + col]!;
      const right = luma[row * WIDTH + col + 1]!;
      byte = (byte << 1) | (right > left ? 1 : 0);
    }
    hex += byte.toString(16).padStart(2, "0");
  }
  return hex;
}

// ---------------------------------------------------------------------------------------------
// PNG → luminance (ITU-R BT.601 weights on the stored values, composited over white), for an image of known size.

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Adam7: the first column and row of each pass, and its steps. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

async function pngLuminance(png: Uint8Array, width: number, height: number): Promise<Float64Array> {
  if (!SIGNATURE.every((byte, i) => png[i] === byte)) throw new Error("the Images binding did not answer with a PNG");
  let header: { width: number; height: number; depth: number; colorType: number; interlace: number } | null = null;
  let palette: Uint8Array | null = null;
  let transparency: Uint8Array | null = null;
  const data: Uint8Array[] = [];
  let pos = 8;
  for (let chunks = 0; ; chunks++) {
    if (chunks > 1000 || pos + 12 > png.length) throw new Error("the PNG ends before its IEND chunk");
    const length = u32be(png, pos);
    const type = String.fromCharCode(...png.subarray(pos + 4, pos + 8));
    if (pos + 12 + length > png.length) throw new Error(`the PNG's ${type} chunk is truncated`);
    const body = png.subarray(pos + 8, pos + 8 + length);
    if (type === "IHDR" && length === 13) {
      header = {
        width: u32be(body, 0),
        height: u32be(body, 4),
        depth: body[8]!,
        colorType: body[9]!,
        interlace: body[12]!,
      };
      if (body[10] !== 0 || body[11] !== 0 || header.interlace > 1) throw new Error("the PNG uses an unknown method");
    } else if (type === "PLTE") {
      palette = body;
    } else if (type === "tRNS") {
      transparency = body;
    } else if (type === "IDAT") {
      data.push(body);
    } else if (type === "IEND") {
      break;
    }
    pos += 12 + length;
  }
  if (!header) throw new Error("the PNG has no IHDR chunk");
  const { depth, colorType, interlace } = header;
  if (header.width !== width || header.height !== height) {
    throw new Error(`the Images binding answered ${header.width}×${header.height}, not ${width}×${height}`);
  }
  const channels = CHANNELS[colorType];
  if (channels === undefined || !DEPTHS[colorType]!.includes(depth)) {
    throw new Error(`the PNG has an invalid colour type ${colorType} with bit depth ${depth}`);
  }
  if (colorType === 3 && (!palette || palette.length % 3 !== 0)) throw new Error("the PNG has no valid palette");

  const bitsPerPixel = channels * depth;
  const passes = interlace === 1 ? ADAM7 : ([[0, 0, 1, 1]] as const);
  const sizes = passes.map(([x0, y0, dx, dy]) => ({
    x0,
    y0,
    dx,
    dy,
    w: Math.ceil((width - x0) / dx),
    h: Math.ceil((height - y0) / dy),
  }));
  const expected = sizes.reduce((sum, p) => sum + (p.w > 0 ? p.h * (1 + Math.ceil((p.w * bitsPerPixel) / 8)) : 0), 0);
  const raw = await inflate(data, expected);
  if (raw.length !== expected) throw new Error("the PNG's image data has the wrong size");

  const luma = new Float64Array(width * height);
  const max = 2 ** depth - 1;
  let offset = 0;
  for (const pass of sizes) {
    if (pass.w <= 0 || pass.h <= 0) continue;
    const stride = Math.ceil((pass.w * bitsPerPixel) / 8);
    const rows = unfilter(raw.subarray(offset, offset + pass.h * (stride + 1)), stride, Math.max(1, bitsPerPixel >> 3));
    offset += pass.h * (stride + 1);
    for (let y = 0; y < pass.h; y++) {
      const row = rows.subarray(y * stride, (y + 1) * stride);
      for (let x = 0; x < pass.w; x++) {
        const sample = (channel: number) => readSample(row, x * channels + channel, depth);
        let r: number;
        let g: number;
        let b: number;
        let alpha = 1;
        if (colorType === 3) {
          const index = sample(0);
          if (index * 3 + 2 >= palette!.length) throw new Error("the PNG refers to a colour outside its palette");
          [r, g, b] = [palette![index * 3]!, palette![index * 3 + 1]!, palette![index * 3 + 2]!];
          if (transparency && index < transparency.length) alpha = transparency[index]! / 255;
        } else {
          const scale = 255 / max;
          const gray = colorType === 0 || colorType === 4;
          r = sample(0) * scale;
          g = gray ? r : sample(1) * scale;
          b = gray ? r : sample(2) * scale;
          if (colorType === 4 || colorType === 6) alpha = sample(channels - 1) / max;
          else if (transparency && isTransparentColor(transparency, gray, sample)) alpha = 0;
        }
        const y601 = 0.299 * r + 0.587 * g + 0.114 * b;
        luma[(pass.y0 + y * pass.dy) * width + pass.x0 + x * pass.dx] = alpha * y601 + (1 - alpha) * 255;
      }
    }
  }
  return luma;
}

/** tRNS for grayscale or RGB: the one colour (as 16-bit samples) that is fully transparent. */
function isTransparentColor(trns: Uint8Array, gray: boolean, sample: (channel: number) => number): boolean {
  if (gray) return trns.length >= 2 && sample(0) === ((trns[0]! << 8) | trns[1]!);
  return (
    trns.length >= 6 &&
    sample(0) === ((trns[0]! << 8) | trns[1]!) &&
    sample(1) === ((trns[2]! << 8) | trns[3]!) &&
    sample(2) === ((trns[4]! << 8) | trns[5]!)
  );
}

/** Sample `index` of a row of `depth`-bit samples (bits packed from the most significant end). */
function readSample(row: Uint8Array, index: number, depth: number): number {
  if (depth === 8) return row[index]!;
  if (depth === 16) return (row[index * 2]! << 8) | row[index * 2 + 1]!;
  const bit = index * depth;
  return (row[bit >> 3]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
}

/** Undoes the per-row filters (None, Sub, Up, Average, Paeth): rows of `stride` bytes, each after a filter byte. */
function unfilter(filtered: Uint8Array, stride: number, bpp: number): Uint8Array {
  const rows = filtered.length / (stride + 1);
  const out = new Uint8Array(rows * stride);
  for (let y = 0; y < rows; y++) {
    const filter = filtered[y * (stride + 1)]!;
    const src = filtered.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const at = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[at + i - bpp]! : 0;
      const b = y > 0 ? out[at - stride + i]! : 0;
      const c = i >= bpp && y > 0 ? out[at - stride + i - bpp]! : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`the PNG uses an unknown filter type ${filter}`);
      }
      out[at + i] = (src[i]! + predictor) & 0xff;
    }
  }
  return out;
}

/** The zlib stream of the IDAT chunks, inflated; stops (and fails) past `limit` bytes. */
async function inflate(parts: Uint8Array[], limit: number): Promise<Uint8Array> {
  const stream = new Blob(parts).stream().pipeThrough(new DecompressionStream("deflate"));
  return readAtMost(stream, limit, "the PNG's image data");
}

/** A stream's bytes, failing (and cancelling it) once it has given more than `limit`. */
async function readAtMost(stream: ReadableStream<Uint8Array>, limit: number, what: string): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new Error(`${what} is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}
