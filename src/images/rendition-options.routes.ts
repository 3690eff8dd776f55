// The processing options in the contract: one zod definition of each option (its range, description and example),
// assembled from the same fields and checked by the same rules: as JSON (a processing session's `output` and a
// preset, nested: `trim: {top}`, `gravity: {x, y}`, `watermark: {imageId}`), as the file route's query string (flat:
// `trim.top`, `gravity=0.3x0.7`, `watermark=img_…`), which is read back into the JSON shape, and (rotate, flip, the
// colour adjustments, with a crop) as an image's edits. Values and names are Cloudflare Images' (see
// rendition-options.ts).
import "@hono/zod-openapi"; // adds `.openapi()` to zod schemas
import * as z from "zod";
import { PRESET_NAME } from "./presets";
import {
  BORDER_DEFAULT_COLOUR,
  COLOUR_PATTERN,
  FLIPS,
  FOCAL_POINT,
  fromRenditionQuery,
  GRAVITY_NAMES,
  MAX_RENDITION_SIDE,
  METADATA_MODES,
  OPTION_RANGES,
  optionProblems,
  RENDITION_FITS,
  RENDITION_FORMATS,
  type RenditionParams,
  ROTATIONS,
  type Rotation,
  WATERMARK_DEFAULTS,
  WATERMARK_POSITIONS,
} from "./rendition-options";

const { factor, saturation, blur, sharpen, trim, border, watermarkWidth, opacity } = OPTION_RANGES;

const side = (name: "Width" | "Height") =>
  z
    .number()
    .int()
    .min(1)
    .max(MAX_RENDITION_SIDE)
    .openapi({
      description: `${name} of the box to fit the image into, in pixels (1–${MAX_RENDITION_SIDE}).`,
      example: name === "Width" ? 800 : 600,
    });

const trimSide = (name: string) =>
  z
    .number()
    .int()
    .min(trim.min)
    .max(trim.max)
    .openapi({ description: `Pixels cut from the ${name} of the image as shown (0–${trim.max}).`, example: 20 });

const borderSide = (name: string) =>
  z
    .number()
    .int()
    .min(border.min)
    .max(border.max)
    .openapi({ description: `Border width ${name}, in pixels (0–${border.max}).`, example: 8 });

const multiplier = (description: string, example: number) =>
  z.number().gt(factor.exclusiveMin).max(factor.max).openapi({ description, example });

const colour = (description: string, example: string) =>
  z
    .string()
    .regex(COLOUR_PATTERN, { error: "Not a colour: use #rgb, #rgba, #rrggbb, #rrggbbaa, black, white or transparent." })
    .openapi({ description, example });

const GRAVITY_DESCRIPTION =
  "What a crop keeps (only with `fit=cover` or `fit=crop` and both `width` and `height`; 400 otherwise): `auto` " +
  "(the most interesting part; Cloudflare's saliency), `center` (the default), `left`, `right`, `top`, `bottom`, " +
  "or a focal point: x and y from 0 to 1 of the image as shown (0,0 top left), kept at the same relative position " +
  "in the crop (Cloudflare's `mode: remainder`).";

const WATERMARK_DESCRIPTION =
  "Draws one of your own images (a logo; a PNG with transparency suits best) over the output, after every other " +
  "option: scaled to `width` of the output's width (keeping its aspect ratio, at most the output's height), at " +
  "`gravity` (inset by 2 % of the output's shorter side), with `opacity`. An id that is not one of your images is " +
  "refused as not found.";

/** Each option's schema, in JSON types; the query's spelling of it is derived below. */
const fields = {
  width: side("Width"),
  height: side("Height"),
  fit: z.enum(RENDITION_FITS).openapi({
    description:
      "How the image fits the box (default `scale-down`: shrink to fit, never enlarge; `contain`: fit, enlarging " +
      "if needed; `cover`: fill the box, cropping; `crop`: like `cover` but never enlarging; `pad`: fit and fill " +
      "the rest with `background`, white by default). Sizes are the image as shown (EXIF orientation applied), " +
      "after `trim` and `rotate`.",
    example: "cover",
  }),
  quality: z.number().int().min(1).max(100).openapi({
    description: "Lossy quality 1–100 (default 85; PNG is lossless).",
    example: 80,
  }),
  rotate: z
    .number()
    .refine((angle): angle is Rotation => (ROTATIONS as readonly number[]).includes(angle), {
      error: "rotate is 90, 180 or 270 (degrees, clockwise).",
    })
    .openapi({
      enum: [...ROTATIONS],
      description:
        "Turns the image clockwise by 90, 180 or 270 degrees, after `trim` and `flip`; `width` and `height` " +
        "then refer to the turned image.",
      example: 90,
    }),
  flip: z.enum(FLIPS).openapi({
    description: "Mirrors the image: `h` left ↔ right, `v` top ↔ bottom, `hv` both; before `rotate`.",
    example: "h",
  }),
  gravity: z
    .union([
      z.enum(GRAVITY_NAMES),
      z.strictObject({
        x: z.number().min(0).max(1).openapi({ description: "0 = left edge, 1 = right edge.", example: 0.3 }),
        y: z.number().min(0).max(1).openapi({ description: "0 = top edge, 1 = bottom edge.", example: 0.7 }),
      }),
    ])
    .openapi({ description: GRAVITY_DESCRIPTION, example: { x: 0.3, y: 0.7 } }),
  brightness: multiplier("Brightness factor: 1 unchanged, 0.5 half as bright, 2 twice (0–4, 0 excluded).", 1.2),
  contrast: multiplier("Contrast factor: 1 unchanged, below 1 flatter, above 1 stronger (0–4, 0 excluded).", 1.1),
  gamma: multiplier("Exposure (gamma) factor: 1 unchanged, below 1 darker, above 1 lighter (0–4, 0 excluded).", 1.2),
  saturation: z.number().min(saturation.min).max(saturation.max).openapi({
    description: "Colour saturation factor: 1 unchanged, 0 grayscale, 2 twice as vivid (0–4).",
    example: 0,
  }),
  blur: z
    .number()
    .min(blur.min)
    .max(blur.max)
    .openapi({
      description: `Blur radius (approximately Gaussian), ${blur.min}–${blur.max}.`,
      example: 10,
    }),
  sharpen: z
    .number()
    .min(sharpen.min)
    .max(sharpen.max)
    .openapi({
      description: `Sharpening strength, ${sharpen.min}–${sharpen.max} (1 suits downscaled photos).`,
      example: 1,
    }),
  background: colour(
    "Colour under transparent parts and around the image with `fit=pad` (white by default): `#rgb`, `#rgba`, " +
      "`#rrggbb`, `#rrggbbaa`, `black`, `white` or `transparent`.",
    "#1e90ff",
  ),
  metadata: z.enum(METADATA_MODES).openapi({
    description:
      "Metadata kept in a JPEG output: `none` (the default) or `copyright` (the EXIF copyright tag only). WebP, " +
      "PNG and AVIF keep none. Location (GPS) never leaves in a rendition.",
    example: "copyright",
  }),
} as const;

const trimSides = {
  top: trimSide("top"),
  right: trimSide("right"),
  bottom: trimSide("bottom"),
  left: trimSide("left"),
};
const borderFields = {
  color: colour(`Border colour, as for \`background\`; default black (\`${BORDER_DEFAULT_COLOUR}\`).`, "#000000"),
  width: borderSide("on every side"),
  top: borderSide("at the top"),
  right: borderSide("at the right"),
  bottom: borderSide("at the bottom"),
  left: borderSide("at the left"),
};
const watermarkFields = {
  imageId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ description: "The id of one of your images.", example: "img_7Hq2mX9bV4sLr8cW1yZ3Aa" }),
  opacity: z
    .number()
    .gt(opacity.exclusiveMin)
    .max(opacity.max)
    .openapi({
      description: `0–1 (0 excluded), default ${WATERMARK_DEFAULTS.opacity}.`,
      example: 0.5,
    }),
  gravity: z.enum(WATERMARK_POSITIONS).openapi({
    description: `Where it is drawn, default \`${WATERMARK_DEFAULTS.gravity}\`.`,
    example: "bottom-right",
  }),
  width: z
    .number()
    .gt(watermarkWidth.exclusiveMin)
    .max(watermarkWidth.max)
    .openapi({
      description: `Its width as a fraction of the output's width, 0–1 (0 excluded), default ${WATERMARK_DEFAULTS.width}.`,
      example: 0.2,
    }),
};

const optional = <T extends Record<string, z.ZodType>>(shape: T) =>
  Object.fromEntries(Object.entries(shape).map(([name, schema]) => [name, schema.optional()])) as {
    [K in keyof T]: z.ZodOptional<T[K]>;
  };

/**
 * The options as JSON (a processing session's `output` spreads them next to its `format`): every one optional,
 * checked together by `checkRenditionOptions`.
 */
export const renditionOptionFields = {
  ...optional(fields),
  trim: z
    .strictObject(optional(trimSides))
    .openapi({
      description: "Pixels cut from each side of the image as shown, before anything else.",
      example: { top: 20, left: 10 },
    })
    .optional(),
  border: z
    .strictObject(optional(borderFields))
    .openapi({
      description:
        "A border added around the output, after resizing: `{color, width}` all round, or `{color, top, right, bottom, left}` (a side left out has none); `color` defaults to black.",
      example: { color: "#000000", width: 8 },
    })
    .optional(),
  watermark: z
    .strictObject({ ...optional(watermarkFields), imageId: watermarkFields.imageId })
    .openapi({
      description: WATERMARK_DESCRIPTION,
      example: { imageId: "img_7Hq2mX9bV4sLr8cW1yZ3Aa", opacity: 0.5, width: 0.2 },
    })
    .optional(),
};

/** The rules between options (rendition-options.ts), reported at each option's path in the JSON. */
export function checkRenditionOptions(value: RenditionParams, ctx: z.RefinementCtx): void {
  for (const problem of optionProblems(value)) {
    const path = problem.option === "watermark" ? ["watermark", "imageId"] : problem.option.split(".");
    ctx.addIssue({ code: "custom", path, message: problem.message });
  }
}

// An image's edits ------------------------------------------------------------------------------------------------

const cropEdge = (description: string, min: 0 | 1, example: number) =>
  z.number().int().min(min).max(trim.max).openapi({ description, example });

/** An image's non-destructive edits (edits.ts): the same definitions as the options, with a crop. */
export const ImageEditsSchema = z
  .strictObject({
    crop: z
      .strictObject({
        x: cropEdge("Left edge of the kept rectangle, pixels from the left of the image as shown.", 0, 40),
        y: cropEdge("Top edge of the kept rectangle, pixels from the top of the image as shown.", 0, 30),
        width: cropEdge("Width of the kept rectangle, in pixels (at least 1).", 1, 320),
        height: cropEdge("Height of the kept rectangle, in pixels (at least 1).", 1, 240),
      })
      .optional()
      .openapi({
        description:
          "The rectangle kept, in pixels of the original as shown (EXIF orientation applied, before any edit: " +
          "`originalWidth` × `originalHeight`); it must lie inside it (400 naming `body.crop` otherwise). Applied first.",
        example: { x: 40, y: 30, width: 320, height: 240 },
      }),
    flip: renditionOptionFields.flip.openapi({
      description: "Mirrors the cropped picture: `h` left ↔ right, `v` top ↔ bottom, `hv` both; before `rotate`.",
    }),
    rotate: renditionOptionFields.rotate.openapi({
      description:
        "Turns the picture clockwise by 90, 180 or 270 degrees, after the crop and the flip; the image's `width` " +
        "and `height` then are the turned picture's.",
    }),
    brightness: renditionOptionFields.brightness,
    contrast: renditionOptionFields.contrast,
    gamma: renditionOptionFields.gamma,
    saturation: renditionOptionFields.saturation,
  })
  .openapi("ImageEdits", {
    description:
      "Non-destructive edits, applied in this order before anything shown of the image (its thumbnail, renditions, " +
      "session outputs, what the tagger sees): `crop`, `flip`, `rotate`, then `brightness`, `contrast`, `gamma`, " +
      "`saturation` (factors, 1 = unchanged). The original file is never changed. Options without effect (a " +
      "factor of 1, a crop of the whole image) are left out.",
    example: { rotate: 90, crop: { x: 40, y: 30, width: 320, height: 240 }, brightness: 1.1 },
  });

// The query string ----------------------------------------------------------------------------------------------

/** A number as a query string spells it: decimal, with an exponent if need be ("12", "0.5", "5e-7"); else text. */
const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const fromText = (value: unknown) => (typeof value === "string" && DECIMAL.test(value) ? Number(value) : value);
const numeric = <T extends z.ZodType>(schema: T) => z.preprocess(fromText, schema);

const QUERY_GRAVITY = z
  .union([
    z.enum(GRAVITY_NAMES),
    z.string().regex(FOCAL_POINT, {
      error: "A focal point is XxY, each from 0 to 1 (`0.3x0.7`), or use auto, center, left, right, top, bottom.",
    }),
  ])
  .openapi({
    description: `${GRAVITY_DESCRIPTION} As a focal point: \`XxY\` (\`gravity=0.3x0.7\`).`,
    example: "0.3x0.7",
  });

const prefixed = <P extends string, T extends Record<string, z.ZodType>>(prefix: P, shape: T) =>
  Object.fromEntries(Object.entries(shape).map(([name, schema]) => [`${prefix}.${name}`, schema])) as {
    [K in keyof T as `${P}.${K & string}`]: T[K];
  };

const numericOptional = <T extends Record<string, z.ZodType>>(shape: T) =>
  Object.fromEntries(
    Object.entries(shape).map(([name, schema]) => [
      name,
      (schema instanceof z.ZodNumber ? numeric(schema) : schema).optional(),
    ]),
  ) as { [K in keyof T]: z.ZodOptional<z.ZodType<z.output<T[K]>>> };

/** The query parameters of a file request: the options flat, then the signed link's own (`uid`, `exp`, `sig`). */
const queryFields = {
  ...numericOptional(fields),
  format: z
    .enum(RENDITION_FORMATS)
    .optional()
    .openapi({
      description:
        "Output format; `auto` picks AVIF or WebP when `Accept` allows (the response then varies by `Accept`). " +
        "Any transform parameter without `format` means `auto`.",
      example: "webp",
    }),
  gravity: QUERY_GRAVITY.optional(),
  ...numericOptional(prefixed("trim", trimSides)),
  ...numericOptional(prefixed("border", borderFields)),
  watermark: watermarkFields.imageId
    .openapi({
      description: `${WATERMARK_DESCRIPTION} Its id; the rest as \`watermark.opacity\`, \`watermark.gravity\`, \`watermark.width\`.`,
    })
    .optional(),
  ...numericOptional(
    prefixed("watermark", {
      opacity: watermarkFields.opacity,
      gravity: watermarkFields.gravity,
      width: watermarkFields.width,
    }),
  ),
  preset: z
    .string()
    .regex(PRESET_NAME, { error: "A preset's name is 1–40 of a-z, 0-9 and -." })
    .optional()
    .openapi({
      description:
        "A preset of yours or a built-in one (`thumbnail`, `web`, `social-square`; GET /v1/presets lists them): the " +
        "rendition those options make, the same file and bytes as spelling them out. It stands alone: with any other " +
        "processing parameter it is a 400. An unknown name is a 400 naming `preset`.",
      example: "web",
    }),
  ph: z
    .string()
    .regex(/^[0-9a-f]{16}$/, { error: "`ph` is the 16 hex digits a signed preset link carries." })
    .optional()
    .openapi({
      description:
        "Set by the API in a signed link to a preset: the digest of the preset's options when the link was made. " +
        "Once the preset changes, the link is refused (403) rather than showing something else.",
    }),
  ev: numeric(
    z
      .number()
      .int()
      .min(1)
      .max(2_147_483_647)
      .openapi({
        description:
          "Set by the API in links to renditions of an edited image: the edit version it was made under, so the " +
          "URL changes with every edit (no cache shows an earlier one). What is served is the image as edited now.",
        example: 3,
      }),
  ).optional(),
  download: z.enum(["1"]).optional().openapi({
    description: "`1`: serve the original as an attachment (a download keeping its filename) instead of inline.",
  }),
  uid: z.string().max(64).optional(),
  exp: z.string().max(16).optional(),
  sig: z.string().max(64).optional(),
};

const KNOWN = Object.keys(queryFields);

/**
 * The file route's query: an unknown or misspelled parameter is a 400 naming it (with the closest known name), the
 * options are read into the JSON shape (`rendition`) and checked by the same rules as a session's output.
 */
export const FileQuerySchema = z
  .object(queryFields)
  .catchall(z.custom<never>(() => false, { error: (issue) => unknownParameter(issue.path?.at(-1)) }))
  .superRefine((flat, ctx) => {
    const { uid: _uid, exp: _exp, sig: _sig, download: _download, preset, ph, ev, ...options } = flat;
    for (const problem of optionProblems(fromRenditionQuery(options))) {
      ctx.addIssue({ code: "custom", path: [problem.option], message: problem.message });
    }
    const given = Object.keys(options).filter((name) => options[name as keyof typeof options] !== undefined);
    if (preset !== undefined && given.length > 0) {
      // A preset is exactly its options: one next to other parameters would be a third thing, signed and cached as
      // neither.
      const message = `\`preset\` stands alone: it cannot be combined with ${given.map((name) => `\`${name}\``).join(", ")}. Make another preset, or spell all the options out.`;
      for (const path of ["preset", ...given]) ctx.addIssue({ code: "custom", path: [path], message });
    }
    if (ph !== undefined && preset === undefined) {
      ctx.addIssue({ code: "custom", path: ["ph"], message: "`ph` belongs to a signed link with `preset`." });
    }
    if (ev !== undefined && preset === undefined && given.length === 0) {
      ctx.addIssue({ code: "custom", path: ["ev"], message: "`ev` belongs to a link to a rendition." });
    }
  })
  .transform(({ uid, exp, sig, download, preset, ph, ev, ...options }) => ({
    uid,
    exp,
    sig,
    download,
    rendition: fromRenditionQuery(options),
    view: { ev, preset, ph },
  }));

function unknownParameter(name: PropertyKey | undefined): string {
  const text = String(name ?? "");
  const closest = KNOWN.map((known) => ({ known, distance: editDistance(text.toLowerCase(), known.toLowerCase()) }))
    .filter(({ distance }) => distance <= 2)
    .sort((a, b) => a.distance - b.distance)[0];
  return `Unknown parameter${text ? ` \`${text}\`` : ""}.${closest ? ` Did you mean \`${closest.known}\`?` : ""}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}
