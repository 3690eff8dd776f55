import { describe, expect, it } from "vitest";
import { type SniffResult, sniffImage } from "../../../src/images/sniff";
import { concatBytes } from "../../../src/lib/encoding";
import { type FixtureName, fixtureBytes, fixtureInfo, fixtureNames, fixtures } from "../../fixtures";
import { pngWithClaimedSize } from "../../fixtures/png-bomb";

const enc = new TextEncoder();
const ascii = (s: string) => enc.encode(s);
const bytes = (...parts: (number[] | Uint8Array | string)[]) => {
  return concatBytes(
    parts.map((p) => (typeof p === "string" ? ascii(p) : p instanceof Uint8Array ? p : new Uint8Array(p))),
  );
};

const imageNames = fixtureNames.filter((n) => fixtureInfo[n].format !== null);
const MAGIC_LENGTH = { jpeg: 3, png: 8, gif: 6, webp: 12 } as const;
const EXTENSION = {
  jpeg: "jpg",
  png: "png",
  gif: "gif",
  webp: "webp",
  heic: "heic",
  heif: "heif",
  avif: "avif",
} as const;

function expectImage(r: SniffResult, width: number, height: number, format?: string) {
  if (!r.ok) throw new Error(`expected an image, got ${r.reason}: ${r.detail}`);
  expect(r.image.width).toBe(width);
  expect(r.image.height).toBe(height);
  if (format) expect(r.image.format).toBe(format);
}

function expectFailure(r: SniffResult, reason: "corrupt" | "unsupported_type", detail?: RegExp) {
  if (r.ok) throw new Error(`expected ${reason}, got ${r.image.format} ${r.image.width}x${r.image.height}`);
  expect(r.reason).toBe(reason);
  expect(r.detail.length).toBeGreaterThan(0);
  if (detail) expect(r.detail).toMatch(detail);
}

/** Every result must be exactly one member of the SniffResult union, with coherent fields. */
function assertWellFormed(r: SniffResult) {
  if (r.ok) {
    const { format, contentType, extension, width, height } = r.image;
    expect(Object.keys(r).sort()).toEqual(["image", "ok"]);
    expect(["jpeg", "png", "webp", "gif", "heic", "heif", "avif"]).toContain(format);
    expect(contentType).toBe(`image/${format}`);
    expect(extension).toBe(EXTENSION[format]);
    expect(Number.isSafeInteger(width) && width > 0).toBe(true);
    expect(Number.isSafeInteger(height) && height > 0).toBe(true);
  } else {
    expect(Object.keys(r).sort()).toEqual(["detail", "ok", "reason"]);
    expect(["unsupported_type", "corrupt"]).toContain(r.reason);
    expect(typeof r.detail).toBe("string");
    expect(r.detail.length).toBeGreaterThan(0);
  }
}

/** Deterministic PRNG (mulberry32). */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  return { next, int, randomBytes };
}

// ---------------------------------------------------------------------------------------------

describe("fixtures", () => {
  it("has every fixture the suite relies on, each under 2 KB and distinct", () => {
    for (const n of [
      "tiny.jpg",
      "tiny-progressive.jpg",
      "tiny.png",
      "tiny.gif",
      "tiny-lossy.webp",
      "tiny-lossless.webp",
      "tiny-alpha.webp",
      "image.svg",
    ] as const) {
      expect(fixtures[n].length).toBe(fixtureInfo[n].size);
    }
    const seen = new Set<string>();
    for (const n of fixtureNames) {
      expect(fixtures[n].length).toBeLessThan(2048);
      const key = Array.from(fixtures[n]).join(",");
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
  });

  it("has the WebP flavours its names promise", () => {
    const chunk = (n: FixtureName) => String.fromCharCode(...fixtures[n].subarray(12, 16));
    expect(chunk("tiny-lossy.webp")).toBe("VP8 ");
    expect(chunk("tiny-lossless.webp")).toBe("VP8L");
    expect(chunk("tiny-alpha.webp")).toBe("VP8X");
  });
});

describe("sniffImage: accepted formats", () => {
  it.each(imageNames)("%s", (name) => {
    const info = fixtureInfo[name];
    const r = sniffImage(fixtures[name]);
    expect(r).toEqual({
      ok: true,
      image: {
        format: info.format,
        contentType: info.contentType,
        extension: EXTENSION[info.format!],
        width: info.width,
        height: info.height,
        orientation: 1, // the fixtures carry no EXIF orientation (test/photos/ uploads photos that do)
      },
    });
  });

  it("reads a view with a non-zero byteOffset into a larger buffer", () => {
    for (const name of imageNames) {
      const f = fixtures[name];
      const backing = new Uint8Array(f.length + 64).fill(0xee);
      backing.set(f, 32);
      expectImage(sniffImage(backing.subarray(32, 32 + f.length)), fixtureInfo[name].width, fixtureInfo[name].height);
    }
  });

  it("ignores trailing garbage after the image", () => {
    for (const name of imageNames) {
      const r = sniffImage(bytes(fixtures[name], "<svg>trailing</svg>", [0, 0xff, 0xd9]));
      expectImage(r, fixtureInfo[name].width, fixtureInfo[name].height, fixtureInfo[name].format!);
    }
  });

  it("does not mutate its input", () => {
    for (const name of imageNames) {
      const copy = fixtureBytes(name);
      sniffImage(copy);
      expect(copy).toEqual(fixtures[name]);
    }
  });
});

describe("sniffImage: unsupported types (415)", () => {
  const svg = new TextDecoder().decode(fixtures["image.svg"]);
  const svgBody = `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>`;

  it.each([
    ["the SVG fixture", fixtures["image.svg"]],
    ["SVG with an <?xml prolog", ascii(`<?xml version="1.0" encoding="UTF-8"?>\n${svgBody}`)],
    [
      "SVG with a DOCTYPE",
      ascii(
        `<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">${svgBody}`,
      ),
    ],
    ["SVG with leading whitespace", ascii(` \n\t\r\n  ${svg}`)],
    ["SVG with a UTF-8 BOM", bytes([0xef, 0xbb, 0xbf], svg)],
    ["SVG with a BOM, whitespace and an XML prolog", bytes([0xef, 0xbb, 0xbf], "\n  <?xml version='1.0'?>\n", svgBody)],
    ["SVG with a comment first", ascii(`<!-- made by hand -->\n${svgBody}`)],
    ["uppercase SVG", ascii(svgBody.toUpperCase())],
    [
      "UTF-16LE SVG with a BOM",
      bytes([0xff, 0xfe], Uint8Array.from(Array.from(svgBody).flatMap((c) => [c.charCodeAt(0), 0]))),
    ],
    ["SVG with a PNG extension-style name inside", ascii(`<svg><title>photo.png</title></svg>`)],
  ])("%s → SVG is not accepted", (_label, input) => {
    expectFailure(sniffImage(input), "unsupported_type", /SVG is not accepted/);
  });

  it.each([
    ["empty", new Uint8Array(0), /empty/],
    ["one byte", new Uint8Array([0xff]), /unrecognized/],
    ["one NUL byte", new Uint8Array([0]), /unrecognized/],
    ["plain text", ascii("hello, this is not an image\n"), /unrecognized/],
    ["JSON", ascii(`{"image":"data:image/png;base64,iVBORw0KGgo="}`), /unrecognized/],
    ["PDF", ascii("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"), /PDF is not accepted/],
    ["HTML", ascii("<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>"), /HTML is not accepted/],
    ["lowercase html", ascii("\n<html><head></head></html>"), /HTML is not accepted/],
    ["plain XML", ascii(`<?xml version="1.0"?><note>hi</note>`), /XML is not accepted/],
    ["BMP", bytes("BM", new Uint8Array(52)), /BMP/],
    ["TIFF (little-endian)", bytes([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]), /TIFF/],
    ["TIFF (big-endian)", bytes([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]), /TIFF/],
    ["ISO media that is not an image (MP4)", bytes([0, 0, 0, 0x18], "ftypisom", [0, 0, 2, 0], "isomiso2"), /ISO media/],
    ["RIFF WAVE", bytes("RIFF", [36, 0, 0, 0], "WAVEfmt ", new Uint8Array(20)), /RIFF/],
    ["ICO", bytes([0, 0, 1, 0, 1, 0, 16, 16, 0, 0]), /ICO/],
    ["JPEG SOI without a marker (FF D8 only)", new Uint8Array([0xff, 0xd8]), /unrecognized/],
    ["partial PNG signature", fixtures["tiny.png"].subarray(0, 7), /unrecognized/],
    [
      "PNG signature with a corrupted byte",
      bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x00], fixtures["tiny.png"].subarray(8)),
    ],
    ["GIF90a", bytes("GIF90a", fixtures["tiny.gif"].subarray(6))],
    ["lowercase gif89a", bytes("gif89a", fixtures["tiny.gif"].subarray(6))],
    ["RIFF without WEBP", bytes("RIFF", [0, 0, 0, 0], "WEBX", fixtures["tiny-lossy.webp"].subarray(12))],
    ["image bytes not at offset 0", bytes([0x20], fixtures["tiny.jpg"])],
  ] as [string, Uint8Array, RegExp?][])("%s", (_label, input, detail) => {
    expectFailure(sniffImage(input), "unsupported_type", detail);
  });

  it("names the accepted types in the detail", () => {
    expectFailure(sniffImage(ascii("nope")), "unsupported_type", /JPEG, PNG, WebP, GIF/);
  });
});

describe("sniffImage: truncation", () => {
  it.each(imageNames)("every prefix of %s is unsupported, then corrupt, then the right image", (name) => {
    const full = fixtures[name];
    const info = fixtureInfo[name];
    const format = info.format!;
    let firstOk = -1;
    for (let len = 0; len <= full.length; len++) {
      const r = sniffImage(full.subarray(0, len));
      assertWellFormed(r);
      if (len < MAGIC_LENGTH[format]) {
        expectFailure(r, "unsupported_type");
      } else if (firstOk === -1 && !r.ok) {
        expectFailure(r, "corrupt", /truncated/);
      } else {
        if (firstOk === -1) firstOk = len;
        expectImage(r, info.width, info.height, format);
      }
    }
    expect(firstOk).toBeGreaterThan(MAGIC_LENGTH[format]);
    // The dimensions live in the first few dozen bytes (JPEG: after its quantisation tables).
    expect(firstOk).toBeLessThanOrEqual(format === "jpeg" ? 200 : 30);
  });

  it("magic bytes alone are corrupt, not unsupported", () => {
    expectFailure(sniffImage(new Uint8Array([0xff, 0xd8, 0xff])), "corrupt");
    expectFailure(sniffImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), "corrupt");
    expectFailure(sniffImage(ascii("GIF89a")), "corrupt");
    expectFailure(sniffImage(ascii("GIF87a")), "corrupt");
    expectFailure(sniffImage(ascii("RIFF\0\0\0\0WEBP")), "corrupt");
  });
});

describe("sniffImage: PNG", () => {
  it("reports a claimed 100000×100000 header without decoding anything", () => {
    const bomb = pngWithClaimedSize(100_000, 100_000);
    expect(bomb.length).toBe(8 + 25 + 12);
    expect(sniffImage(bomb)).toEqual({
      ok: true,
      image: {
        format: "png",
        contentType: "image/png",
        extension: "png",
        width: 100_000,
        height: 100_000,
        orientation: 1,
      },
    });
  });

  it("reads asymmetric and maximal claimed sizes", () => {
    expectImage(sniffImage(pngWithClaimedSize(1, 70_000)), 1, 70_000, "png");
    expectImage(sniffImage(pngWithClaimedSize(0x7fffffff, 3)), 0x7fffffff, 3, "png");
  });

  it("rejects zero and out-of-range dimensions as corrupt", () => {
    expectFailure(sniffImage(pngWithClaimedSize(0, 5)), "corrupt", /zero/);
    expectFailure(sniffImage(pngWithClaimedSize(5, 0)), "corrupt", /zero/);
    expectFailure(sniffImage(pngWithClaimedSize(0x80000000, 5)), "corrupt");
    expectFailure(sniffImage(pngWithClaimedSize(0xffffffff, 0xffffffff)), "corrupt");
  });

  it("requires IHDR to be the first chunk, with length 13", () => {
    const notIhdr = fixtureBytes("tiny.png");
    notIhdr.set(ascii("IDAT"), 12);
    expectFailure(sniffImage(notIhdr), "corrupt", /IHDR/);
    const lowercase = fixtureBytes("tiny.png");
    lowercase.set(ascii("ihdr"), 12);
    expectFailure(sniffImage(lowercase), "corrupt", /IHDR/);
    const badLength = fixtureBytes("tiny.png");
    badLength[11] = 12;
    expectFailure(sniffImage(badLength), "corrupt", /length/);
  });
});

describe("sniffImage: GIF", () => {
  it("reads the logical screen descriptor of both versions (little-endian)", () => {
    expectImage(sniffImage(bytes("GIF87a", [0x2c, 0x01, 0x02, 0x00, 0, 0, 0])), 300, 2, "gif");
    expectImage(sniffImage(bytes("GIF89a", [0xff, 0xff, 0xff, 0xff])), 65535, 65535, "gif");
  });

  it("rejects zero dimensions as corrupt", () => {
    expectFailure(sniffImage(bytes("GIF89a", [0, 0, 4, 0])), "corrupt", /zero/);
    expectFailure(sniffImage(bytes("GIF89a", [4, 0, 0, 0])), "corrupt", /zero/);
  });
});

describe("sniffImage: WebP", () => {
  const riff = (fourcc: string, payload: number[]) =>
    bytes("RIFF", [(payload.length + 12) & 0xff, 0, 0, 0], "WEBP", fourcc, [payload.length & 0xff, 0, 0, 0], payload);

  it("VP8: 14-bit dimensions, ignoring the scale bits", () => {
    // frame tag (key frame), start code, width 0x3FFF | scale 0b11, height 1 | scale 0b01
    expectImage(sniffImage(riff("VP8 ", [0x10, 0, 0, 0x9d, 0x01, 0x2a, 0xff, 0xff, 0x01, 0x40])), 16383, 1, "webp");
  });

  it("VP8: wrong start code, interframe or zero size is corrupt", () => {
    expectFailure(sniffImage(riff("VP8 ", [0x10, 0, 0, 0x9d, 0x01, 0x2b, 4, 0, 4, 0])), "corrupt", /start code/);
    expectFailure(sniffImage(riff("VP8 ", [0x11, 0, 0, 0x9d, 0x01, 0x2a, 4, 0, 4, 0])), "corrupt", /key frame/);
    expectFailure(sniffImage(riff("VP8 ", [0x10, 0, 0, 0x9d, 0x01, 0x2a, 0, 0xc0, 4, 0])), "corrupt", /zero/);
  });

  it("VP8L: 14-bit dimensions plus one", () => {
    // width-1 = 0x3FFF, height-1 = 0x3FFF, alpha 1, version 0
    expectImage(sniffImage(riff("VP8L", [0x2f, 0xff, 0xff, 0xff, 0x1f])), 16384, 16384, "webp");
    // width-1 = 0, height-1 = 0 → 1×1
    expectImage(sniffImage(riff("VP8L", [0x2f, 0, 0, 0, 0])), 1, 1, "webp");
    // width-1 = 2, height-1 = 4 → 3×5
    expectImage(sniffImage(riff("VP8L", [0x2f, 0x02, 0x00, 0x01, 0x00])), 3, 5, "webp");
  });

  it("VP8L: wrong signature or version is corrupt", () => {
    expectFailure(sniffImage(riff("VP8L", [0x2e, 0, 0, 0, 0])), "corrupt", /signature/);
    expectFailure(sniffImage(riff("VP8L", [0x2f, 0, 0, 0, 0x20])), "corrupt", /version/);
  });

  it("VP8X: 24-bit canvas dimensions plus one", () => {
    expectImage(sniffImage(riff("VP8X", [0x10, 0, 0, 0, 0xff, 0xff, 0xff, 0x01, 0, 0])), 16_777_216, 2, "webp");
    expectImage(sniffImage(riff("VP8X", [0, 0, 0, 0, 0x9f, 0x86, 0x01, 0x9f, 0x86, 0x01])), 100_000, 100_000, "webp");
  });

  it("an unknown first chunk is corrupt", () => {
    expectFailure(sniffImage(riff("ALPH", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), "corrupt", /unknown first chunk/);
  });
});

describe("sniffImage: HEIC and AVIF headers without their item boxes (422)", () => {
  // Accepted since phones store HEIC (test/images/photos/ uploads real ones); a brand alone is not an image.
  it.each([
    ["AVIF", bytes([0, 0, 0, 0x1c], "ftypavif", [0, 0, 0, 0], "avifmif1miaf"), /AVIF file is corrupt: no meta box/],
    ["HEIC", bytes([0, 0, 0, 0x18], "ftypheic", [0, 0, 0, 0], "mif1heic"), /HEIC file is corrupt: no meta box/],
  ] as [string, Uint8Array, RegExp][])("%s → corrupt", (_label, input, detail) => {
    expectFailure(sniffImage(input), "corrupt", detail);
  });
});

describe("sniffImage: JPEG marker walk", () => {
  const SOI = [0xff, 0xd8];
  const segment = (marker: number, payload: number[]) => [
    0xff,
    marker,
    ((payload.length + 2) >> 8) & 0xff,
    (payload.length + 2) & 0xff,
    ...payload,
  ];
  const sof = (marker: number, width: number, height: number) =>
    segment(marker, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
  // A payload that would read as a frame header (h=0x1111, w=0x2222) if mistaken for one.
  const decoy = [8, 0x11, 0x11, 0x22, 0x22, 1, 1, 0x11, 0];

  const hexed = (ms: number[]) => ms.map((m) => [m.toString(16).toUpperCase(), m] as const);

  it.each(hexed([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]))(
    "SOF FF%s is a frame header",
    (_hex, m) => {
      expectImage(sniffImage(bytes(SOI, sof(m, 640, 480))), 640, 480, "jpeg");
    },
  );

  it.each(hexed([0xc4, 0xc8, 0xcc]))("FF%s (DHT / JPG / DAC) is skipped, not read as a frame header", (_hex, m) => {
    expectImage(sniffImage(bytes(SOI, segment(m, decoy), sof(0xc0, 17, 19))), 17, 19, "jpeg");
  });

  it("skips APPn, COM and DQT segments (with 0xFF bytes inside) before SOF", () => {
    const exifish = [0x45, 0x78, 0x69, 0x66, 0, 0, 0xff, 0xc0, 0, 0x11, 8, 0, 1, 0, 1, 0xff, 0xd9, 0xff];
    const input = bytes(
      SOI,
      segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // APP0 JFIF
      segment(0xe1, exifish), // APP1 with a fake SOF + EOI inside its payload
      segment(0xed, new Array(300).fill(0xff)), // APP13, length > 255
      segment(0xfe, Array.from(ascii("comment \xff\xc0"))), // COM
      segment(0xee, decoy), // APP14
      segment(0xdb, new Array(65).fill(1)), // DQT
      segment(0xdd, [0, 4]), // DRI
      sof(0xc2, 1234, 567),
    );
    expectImage(sniffImage(input), 1234, 567, "jpeg");
  });

  it("skips fill bytes, standalone markers (RSTn, TEM) and stuffed FF00", () => {
    const input = bytes(
      SOI,
      [0xff, 0xff, 0xff, 0xff], // fill bytes run into the next marker
      segment(0xe0, [1, 2, 3]),
      [0xff, 0xd0, 0xff, 0xd7, 0xff, 0x01, 0xff, 0x00],
      [0xff, 0xff],
      sof(0xc0, 3, 2),
    );
    expectImage(sniffImage(input), 3, 2, "jpeg");
    // Fill bytes between the fixture's SOI and its first marker.
    const tiny = fixtures["tiny.jpg"];
    expectImage(sniffImage(bytes(tiny.subarray(0, 2), new Array(100).fill(0xff), tiny.subarray(2))), 3, 2, "jpeg");
  });

  it("tolerates stray bytes between segments, like libjpeg", () => {
    expectImage(sniffImage(bytes(SOI, segment(0xe0, [1]), [0x00, 0x12, 0x34], sof(0xc0, 9, 8))), 9, 8, "jpeg");
  });

  it("reads width and height big-endian, height first", () => {
    expectImage(sniffImage(bytes(SOI, sof(0xc0, 0x0102, 0x0304))), 0x0102, 0x0304);
    expectImage(sniffImage(bytes(SOI, sof(0xc0, 65535, 65535))), 65535, 65535);
  });

  it.each([
    ["EOI before SOF", bytes(SOI, segment(0xe0, [1, 2]), [0xff, 0xd9]), /end of image/],
    ["SOS before SOF", bytes(SOI, segment(0xda, [1, 2, 3]), sof(0xc0, 3, 3)), /scan/],
    ["a second SOI", bytes(SOI, [0xff, 0xd8], sof(0xc0, 3, 3)), /start-of-image/],
    ["segment length 0", bytes(SOI, [0xff, 0xe0, 0, 0], sof(0xc0, 3, 3)), /length/],
    ["segment length 1", bytes(SOI, [0xff, 0xe0, 0, 1], sof(0xc0, 3, 3)), /length/],
    ["segment longer than the file", bytes(SOI, [0xff, 0xe1, 0xff, 0xff, 1, 2, 3]), /truncated/],
    ["SOF shorter than a frame header", bytes(SOI, [0xff, 0xc0, 0, 5, 8, 0, 1, 0, 1, 1]), /too short/],
    ["SOF cut inside the dimensions", bytes(SOI, [0xff, 0xc0, 0, 11, 8, 0, 1, 0]), /truncated/],
    ["zero height (DNL)", bytes(SOI, sof(0xc0, 5, 0)), /zero/],
    ["zero width", bytes(SOI, sof(0xc0, 0, 5)), /zero/],
    ["only fill bytes", bytes(SOI, new Array(1000).fill(0xff)), /truncated/],
    ["only standalone markers", bytes(SOI, new Array(500).fill([0xff, 0xd0]).flat()), /truncated/],
    ["only stray bytes", bytes(SOI, [0xff], new Array(1000).fill(0x00)), /truncated/],
  ] as [string, Uint8Array, RegExp][])("%s → corrupt", (_label, input, detail) => {
    expectFailure(sniffImage(input), "corrupt", detail);
  });

  it("walks a long hostile chain of empty segments quickly and in bounds", () => {
    const parts: number[] = [0xff, 0xd8];
    for (let i = 0; i < 100_000; i++) parts.push(0xff, 0xe2, 0x00, 0x02);
    const started = Date.now();
    expectFailure(sniffImage(Uint8Array.from(parts)), "corrupt", /truncated/);
    parts.push(...sof(0xc1, 4, 4));
    expectImage(sniffImage(Uint8Array.from(parts)), 4, 4);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("sniffImage: fuzz (never throws, always a union member)", () => {
  const images = imageNames.map((n) => fixtures[n]);
  const magics = [
    [0xff, 0xd8, 0xff],
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    Array.from(ascii("GIF89a")),
    Array.from(ascii("GIF87a")),
    Array.from(ascii("RIFF\x10\0\0\0WEBPVP8 ")),
    Array.from(ascii("RIFF\x10\0\0\0WEBPVP8L")),
    Array.from(ascii("RIFF\x10\0\0\0WEBPVP8X")),
    Array.from(ascii("\xef\xbb\xbf <svg")),
  ];

  it("random bytes", () => {
    const rng = prng(0x5eed);
    for (let i = 0; i < 3000; i++) {
      const input = rng.randomBytes(rng.int(96));
      const r = sniffImage(input);
      assertWellFormed(r);
    }
  });

  it("random bytes after each magic number", () => {
    const rng = prng(0xbadc0de);
    let ok = 0;
    for (let i = 0; i < 4000; i++) {
      const magic = magics[rng.int(magics.length)]!;
      // JPEG: bias towards 0xFF so the marker walk gets exercised.
      const tail = rng.randomBytes(rng.int(64)).map((b) => (rng.next() < 0.3 ? 0xff : b));
      const r = sniffImage(bytes(magic, tail));
      assertWellFormed(r);
      if (r.ok) ok++;
    }
    expect(ok).toBeGreaterThan(0); // the fuzz reaches the success path too
  });

  it("random truncations and mutations of the fixtures", () => {
    const rng = prng(20240601);
    for (let i = 0; i < 5000; i++) {
      const src = images[rng.int(images.length)]!;
      let input = Uint8Array.from(src);
      const mutations = 1 + rng.int(4);
      for (let m = 0; m < mutations; m++) {
        const kind = rng.int(5);
        const at = rng.int(Math.max(1, Math.min(input.length, 64)));
        if (kind === 0) input = input.subarray(0, rng.int(input.length + 1));
        else if (kind === 1 && input.length > 0) input[at] = rng.int(256);
        else if (kind === 2 && input.length > 0) input[at] = rng.next() < 0.5 ? 0xff : 0x00;
        else if (kind === 3) input = bytes(input.subarray(0, at), rng.randomBytes(rng.int(8)), input.subarray(at));
        else input = bytes(input.subarray(0, at), input.subarray(Math.min(input.length, at + 1 + rng.int(8))));
      }
      assertWellFormed(sniffImage(input));
    }
  });
});
