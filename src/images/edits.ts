// Non-destructive edits of an image: a rotation, a mirror, a crop and the colour adjustments, kept with the image in
// its owner's library and applied as the first transform of everything shown of it (thumbnails, renditions, session
// outputs, the tagger's input). The original bytes never change and `url` still downloads them.
//
// An edit is one transform of the Images binding, in Cloudflare's order inside a transform: the crop (as `trim`,
// measured on the original as shown, after EXIF orientation), then the flip, then the rotation, then the
// adjustments. The options a request asks for follow as a second transform, on the edited picture.
import { invalidField } from "../lib/problem";
import type { Flip, Rotation } from "./rendition-options";

/** A rectangle of the original as shown, in pixels: what the crop keeps. */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ImageEdits {
  crop?: CropBox | undefined;
  flip?: Flip | undefined;
  rotate?: Rotation | undefined;
  brightness?: number | undefined;
  contrast?: number | undefined;
  gamma?: number | undefined;
  saturation?: number | undefined;
}

export interface Size {
  width: number;
  height: number;
}

const ADJUSTMENTS = ["brightness", "contrast", "gamma", "saturation"] as const;

/**
 * The edits in their one stored form: options without effect left out (a factor of 1, a crop of the whole image),
 * keys in a fixed order (so equal edits have equal JSON); null when nothing is left. A crop that does not lie
 * inside the original as shown (`shown`) is a 400 naming `body.crop`.
 */
export function normaliseEdits(edits: ImageEdits, shown: Size): ImageEdits | null {
  const out: ImageEdits = {};
  const { crop } = edits;
  if (crop) {
    if (crop.x + crop.width > shown.width || crop.y + crop.height > shown.height) {
      throw invalidField(
        "body.crop",
        `The crop (${crop.width}×${crop.height} at ${crop.x},${crop.y}) does not lie inside the image, ` +
          `${shown.width}×${shown.height} as shown (before any edit).`,
      );
    }
    const whole = crop.x === 0 && crop.y === 0 && crop.width === shown.width && crop.height === shown.height;
    if (!whole) out.crop = { x: crop.x, y: crop.y, width: crop.width, height: crop.height };
  }
  if (edits.flip) out.flip = edits.flip;
  if (edits.rotate) out.rotate = edits.rotate;
  for (const name of ADJUSTMENTS) {
    const value = edits[name];
    if (value !== undefined && value !== 1) out[name] = value;
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** The size of the edited picture: the crop's, turned by a quarter rotation. */
export function editedSize(shown: Size, edits: ImageEdits | null): Size {
  const kept = edits?.crop ? { width: edits.crop.width, height: edits.crop.height } : shown;
  const turned = edits?.rotate === 90 || edits?.rotate === 270;
  return turned ? { width: kept.height, height: kept.width } : { width: kept.width, height: kept.height };
}

/** The edits as one transform of the Images binding (no resize), for an original of `shown` size. */
export function editTransform(shown: Size, edits: ImageEdits): ImageTransform {
  const transform: ImageTransform = {};
  const { crop } = edits;
  if (crop) {
    transform.trim = {
      top: crop.y,
      left: crop.x,
      right: shown.width - crop.x - crop.width,
      bottom: shown.height - crop.y - crop.height,
    };
  }
  if (edits.flip) transform.flip = edits.flip;
  if (edits.rotate) transform.rotate = edits.rotate;
  for (const name of ADJUSTMENTS) {
    const value = edits[name];
    if (value !== undefined) transform[name] = value;
  }
  return transform;
}

/** Whether two edits cut or turn the picture differently (what its tags describe changes: it is tagged again). */
export function changesGeometry(before: ImageEdits | null, after: ImageEdits | null): boolean {
  const geometry = (edits: ImageEdits | null) =>
    JSON.stringify({ crop: edits?.crop ?? null, flip: edits?.flip ?? null, rotate: edits?.rotate ?? null });
  return geometry(before) !== geometry(after);
}

export function sameEdits(a: ImageEdits | null, b: ImageEdits | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** An image as everything shown of it sees it: its size after the edits, and the transform that makes it. */
export interface EditedImage {
  size: Size;
  /** Undefined when the image has no edits: the original as shown. */
  transform: ImageTransform | undefined;
  /** The edit version (0: never edited), part of every rendition's name. */
  version: number;
}

export function editedImage(image: { width: number; height: number; edits: ImageEdits | null; edit_version: number }) {
  const shown = { width: image.width, height: image.height };
  return {
    size: editedSize(shown, image.edits),
    transform: image.edits ? editTransform(shown, image.edits) : undefined,
    version: image.edit_version,
  } satisfies EditedImage;
}
