// The HTTP wire format of /transform and /info. It is the one workerd's own Images binding speaks to
// Cloudflare's backend (workerd src/cloudflare/internal/images-api.ts), so the same requests work against
// this engine: multipart/form-data with
//   image          the input file
//   draw_image     one file per drawn image, in order; they are images 1, 2, … (image 0 is the input)
//   transforms     JSON array, in call order, of
//                    { imageIndex, ...ImageTransform }                       transform image `imageIndex`
//                    { drawImageIndex, targetImageIndex, ...ImageDrawOptions } draw one image on another
//                  (a drawn image's own transforms come before the command that draws it)
//   output_format  image/jpeg | image/png | image/webp | image/avif | image/gif
//   output_quality 1–100 (optional)   background  CSS colour (optional)
//   anim           "true"/"false" (optional; accepted and ignored: animations are reduced to their first frame)
import { badOptions } from "./errors.js";

/**
 * @param {FormData} form
 * @returns {Promise<{ bytes: Uint8Array, steps: unknown[], output: { format: string, quality?: number, background?: string } }>}
 */
export async function readTransformForm(form) {
  const bytes = await fileBytes(form.get("image"), "image");
  const drawn = [];
  for (const entry of form.getAll("draw_image")) drawn.push(await fileBytes(entry, "draw_image"));

  const rawTransforms = form.get("transforms") ?? "[]";
  if (typeof rawTransforms !== "string") throw badOptions("transforms must be a JSON string field");
  let transforms;
  try {
    transforms = JSON.parse(rawTransforms);
  } catch {
    throw badOptions("transforms is not valid JSON");
  }

  const format = form.get("output_format");
  if (typeof format !== "string") throw badOptions("output_format is required");
  /** @type {{ format: string, quality?: number, background?: string }} */
  const output = { format };
  const quality = form.get("output_quality");
  if (typeof quality === "string") output.quality = Number(quality);
  const background = form.get("background");
  if (typeof background === "string") output.background = background;

  return { bytes, steps: resolveImages(stepsFromWire(transforms, drawn.length), drawn), output };
}

/**
 * The flat, indexed command list → the nested steps engine.transform() takes. Images are referred to by index
 * and resolved by `imageAt`.
 * @param {unknown} transforms
 * @param {number} drawnCount  how many draw_image parts there are
 * @returns {unknown[]}  root steps; draw steps carry `{ image: { index, steps } }` until resolved
 */
export function stepsFromWire(transforms, drawnCount) {
  if (!Array.isArray(transforms)) throw badOptions("transforms must be a JSON array");
  /** @type {unknown[][]} */
  const steps = Array.from({ length: drawnCount + 1 }, () => []);
  const drawnOnce = new Set();
  const known = (/** @type {unknown} */ i) =>
    Number.isInteger(i) && /** @type {number} */ (i) >= 0 && /** @type {number} */ (i) <= drawnCount;
  for (const command of transforms) {
    if (!command || typeof command !== "object" || Array.isArray(command))
      throw badOptions("each transform must be an object");
    const { imageIndex, drawImageIndex, targetImageIndex, ...rest } = /** @type {Record<string, unknown>} */ (command);
    if (drawImageIndex !== undefined) {
      if (
        !known(drawImageIndex) ||
        drawImageIndex === 0 ||
        !known(targetImageIndex) ||
        drawImageIndex === targetImageIndex
      ) {
        throw badOptions("draw command with an invalid image index");
      }
      if (drawnOnce.has(drawImageIndex)) throw badOptions(`image ${drawImageIndex} is drawn twice`);
      drawnOnce.add(drawImageIndex);
      const index = /** @type {number} */ (drawImageIndex);
      /** @type {unknown[]} */ (steps[/** @type {number} */ (targetImageIndex)]).push({
        draw: { image: { index, steps: steps[index] }, options: rest },
      });
    } else {
      const index = imageIndex ?? 0; // bindings from before draw() existed send no index
      if (!known(index)) throw badOptions("transform with an invalid imageIndex");
      /** @type {unknown[]} */ (steps[/** @type {number} */ (index)]).push({ transform: rest });
    }
  }
  return /** @type {unknown[]} */ (steps[0]);
}

/**
 * Replaces `{ index }` image references in steps from stepsFromWire() with the bytes.
 * @param {unknown[]} steps @param {Uint8Array[]} drawn  draw_image parts (image 1 is drawn[0])
 * @returns {unknown[]}
 */
export function resolveImages(steps, drawn) {
  return steps.map((step) => {
    const draw = /** @type {any} */ (step).draw;
    if (!draw) return step;
    const bytes = drawn[draw.image.index - 1];
    if (!bytes) throw badOptions(`no draw_image for image ${draw.image.index}`);
    return { draw: { image: { image: bytes, steps: resolveImages(draw.image.steps, drawn) }, options: draw.options } };
  });
}

/** @param {FormDataEntryValue | null} entry @param {string} name @returns {Promise<Uint8Array>} */
async function fileBytes(entry, name) {
  if (entry === null) throw badOptions(`the form has no ${name} field`);
  if (typeof entry === "string") return new TextEncoder().encode(entry);
  return new Uint8Array(await entry.arrayBuffer());
}
