// Box surgery on HEIC files made by heif-enc, to get files heif-enc cannot make: a rotated (irot) or mirrored
// (imir) primary image, or one that declares a huge size (ispe). Only for tests.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * A real HEIC (HEVC) file from PNG/JPEG bytes, made by Debian's heif-enc (package libheif-examples);
 * with `avif`, an AVIF (AV1) file instead.
 * @param {Uint8Array} source @param {{ quality?: number, avif?: boolean }} [options]
 */
export async function heifEnc(source, { quality = 90, avif = false } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "image-engine-heif-"));
  try {
    const input = path.join(dir, "in.png");
    const output = path.join(dir, avif ? "out.avif" : "out.heic");
    await writeFile(input, source);
    try {
      await run("heif-enc", [...(avif ? ["-A"] : []), "-q", String(quality), input, "-o", output]);
    } catch (error) {
      const e = /** @type {NodeJS.ErrnoException & { stderr?: string }} */ (error);
      if (e.code === "ENOENT") {
        throw new Error(
          "heif-enc is not installed: the HEIC tests need it to make real HEIC files. " +
            "Install it with `apt-get install -y libheif-examples` (Debian/Ubuntu).",
        );
      }
      throw new Error(`heif-enc failed: ${e.stderr || e.message}`);
    }
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** @typedef {{ type: string, start: number, body: number, end: number }} Box */

/** @param {Buffer} buf @param {number} start @param {number} end @returns {Box[]} */
function boxes(buf, start, end) {
  const out = [];
  for (let at = start; at + 8 <= end; ) {
    const size = buf.readUInt32BE(at);
    if (size < 8) throw new Error("unexpected box size in test helper");
    out.push({ type: buf.toString("latin1", at + 4, at + 8), start: at, body: at + 8, end: at + size });
    at += size;
  }
  return out;
}

/** @param {Box[]} list @param {string} type */
function child(list, type) {
  const found = list.find((b) => b.type === type);
  if (!found) throw new Error(`no ${type} box`);
  return found;
}

/** @param {Buffer} buf */
function layout(buf) {
  const meta = child(boxes(buf, 0, buf.length), "meta");
  const iprp = child(boxes(buf, meta.body + 4, meta.end), "iprp");
  const iprpChildren = boxes(buf, iprp.body, iprp.end);
  const ipco = child(iprpChildren, "ipco");
  const ipma = child(iprpChildren, "ipma");
  return { properties: boxes(buf, ipco.body, ipco.end), ipma };
}

/**
 * Turns the file's (first) `colr` property into a transformation of the primary image: `irot` (angle in
 * degrees anti-clockwise, a multiple of 90) or `imir` (axis 0 or 1), padded with a `free` box to the same
 * byte size so no offset in the file moves. The colour profile is lost; ipma indexes after it shift by one.
 * @param {Uint8Array} heic
 * @param {{ irot: number } | { imir: 0 | 1 }} change
 */
export function withTransformation(heic, change) {
  const buf = Buffer.from(heic);
  const { properties, ipma } = layout(buf);
  const index = properties.findIndex((b) => b.type === "colr");
  const colr = properties[index];
  if (!colr || colr.end - colr.start < 17) throw new Error("no colr property large enough to replace");
  const size = colr.end - colr.start;
  const [type, value] = "irot" in change ? ["irot", (change.irot / 90) & 0b11] : ["imir", change.imir & 1];
  buf.writeUInt32BE(9, colr.start);
  buf.write(type, colr.start + 4, "latin1");
  buf.writeUInt8(value, colr.start + 8);
  buf.writeUInt32BE(size - 9, colr.start + 9);
  buf.write("free", colr.start + 13, "latin1");
  buf.fill(0, colr.start + 17, colr.end);
  // The free box is now property index+2 (1-based); properties after it moved up by one.
  shiftIpma(buf, ipma, index + 1);
  return buf;
}

/**
 * Rewrites every `ispe` to declare width × height (the coded data is left as it is).
 * @param {Uint8Array} heic @param {number} width @param {number} height
 */
export function withDeclaredSize(heic, width, height) {
  const buf = Buffer.from(heic);
  for (const box of layout(buf).properties.filter((b) => b.type === "ispe")) {
    buf.writeUInt32BE(width, box.body + 4);
    buf.writeUInt32BE(height, box.body + 8);
  }
  return buf;
}

/** Adds 1 to ipma property indexes above `after` (1-based). @param {Buffer} buf @param {Box} ipma @param {number} after */
function shiftIpma(buf, ipma, after) {
  const version = buf.readUInt8(ipma.body);
  const flags = buf.readUInt32BE(ipma.body) & 0xffffff;
  let at = ipma.body + 4;
  const entries = buf.readUInt32BE(at);
  at += 4;
  for (let i = 0; i < entries; i++) {
    at += version < 1 ? 2 : 4;
    const count = buf.readUInt8(at);
    at += 1;
    for (let j = 0; j < count; j++) {
      if (flags & 1) {
        const v = buf.readUInt16BE(at);
        if ((v & 0x7fff) > after) buf.writeUInt16BE(v + 1, at);
        at += 2;
      } else {
        const v = buf.readUInt8(at);
        if ((v & 0x7f) > after) buf.writeUInt8(v + 1, at);
        at += 1;
      }
    }
  }
}

/** For debugging fixtures: property types in ipco order. @param {Uint8Array} heic */
export function propertyTypes(heic) {
  return layout(Buffer.from(heic)).properties.map((b) => b.type);
}
