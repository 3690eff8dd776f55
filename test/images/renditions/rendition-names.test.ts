// A rendition's name says what it was made from: the image's edit version, and which image it draws as a watermark
// at which edit version. The parsers are checked against names the resolver itself writes, with ids as newId makes
// them (base64url: `-`, `_` and `e` followed by digits may all occur inside an id).
import { describe, expect, it } from "vitest";
import {
  renditionEditVersion,
  resolveRendition,
  versionedRenditionName,
  watermarkVersion,
} from "../../../src/images/rendition-spec";

const PHOTO = { width: 800, height: 600, contentType: "image/jpeg" };
const TRICKY_ID = "img_7Hq2-e1_bV4sLr8cW1yZ3A"; // holds "-e1_", as the token after an id does
const OTHER_ID = "img_q3m9Xc2LrT0bWvYd1NkA8g";

function nameDrawing(id: string, editVersion?: number): string {
  const source = { id, key: `k/${id}`, width: 120, height: 60, editVersion };
  const spec = resolveRendition(
    PHOTO,
    { format: "png", width: 200, watermark: { imageId: id, opacity: 0.5 } },
    undefined,
    source,
  );
  return spec.name;
}

describe("rendition names", () => {
  it("name the watermark's edit version, read back exactly, whatever its id holds", () => {
    expect(watermarkVersion(nameDrawing(TRICKY_ID), TRICKY_ID)).toBe(0);
    expect(watermarkVersion(nameDrawing(TRICKY_ID, 3), TRICKY_ID)).toBe(3);
    expect(watermarkVersion(nameDrawing(OTHER_ID, 12), OTHER_ID)).toBe(12);
  });

  it("a rendition drawing another image, or none, draws no such watermark", () => {
    expect(watermarkVersion(nameDrawing(OTHER_ID), TRICKY_ID)).toBeNull();
    const plain = resolveRendition(PHOTO, { format: "png", width: 200 }, undefined).name;
    expect(watermarkVersion(plain, TRICKY_ID)).toBeNull();
  });

  it("the image's own edit version is read from the name's start, apart from the watermark's", () => {
    const name = versionedRenditionName(nameDrawing(TRICKY_ID, 3), 7);
    expect(renditionEditVersion(name)).toBe(7);
    expect(watermarkVersion(name, TRICKY_ID)).toBe(3);
    expect(renditionEditVersion(nameDrawing(TRICKY_ID, 3))).toBe(0);
  });
});
