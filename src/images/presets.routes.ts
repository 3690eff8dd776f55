import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { chain, limitJsonBody, requireAuthInLibrary } from "../routes/middleware";
import { jsonBody, jsonContent } from "../routes/openapi";
import { problemResponses } from "../routes/problem";
import { PRESET_FORMATS, PRESET_NAME } from "./presets";
import { checkRenditionOptions, renditionOptionFields } from "./rendition-options.routes";

export const PresetNameSchema = z
  .string()
  .regex(PRESET_NAME, { error: "A preset's name is 1–40 of a-z, 0-9 and -." })
  .openapi({ description: "1–40 of `a-z`, `0-9` and `-`.", example: "blog-header" });

export const PresetOptionsSchema = z
  .strictObject({
    format: z.enum(PRESET_FORMATS).openapi({ example: "webp" }),
    // The options of a rendition (GET /v1/images/{id}/file), as JSON, as a processing session's output takes them.
    ...renditionOptionFields,
  })
  .superRefine(checkRenditionOptions)
  .openapi("PresetOptions", {
    description:
      "A rendition's parameters, as a processing session's `output` spells them: a `format` and any of `width`, " +
      "`height`, `fit`, `quality` and the processing options (nested: `trim: {top}`, `border: {color, width}`, " +
      "`watermark: {imageId, …}`). `?preset=` gives exactly the rendition these make.",
    example: { format: "webp", width: 1200, height: 630, fit: "cover", gravity: "auto", quality: 80 },
  });

export const PresetSchema = z
  .object({
    name: PresetNameSchema,
    builtIn: z.boolean().openapi({ description: "Offered to everyone; cannot be replaced, renamed or deleted." }),
    options: PresetOptionsSchema,
    createdAt: z.iso.datetime().nullable().openapi({ description: "Null for a built-in preset." }),
    updatedAt: z.iso.datetime().nullable().openapi({ description: "Null for a built-in preset." }),
  })
  .openapi("Preset");

export const PresetListSchema = z
  .object({
    items: z.array(PresetSchema).openapi({ description: "The built-in presets first, then yours, by name." }),
    limit: z.number().int().openapi({ description: "How many presets of your own you may have (PRESETS_PER_USER)." }),
  })
  .openapi("PresetList");

const PresetParamSchema = z.object({
  name: PresetNameSchema.openapi({ param: { name: "name", in: "path" }, example: "blog-header" }),
});

const tags = ["Presets"];
const security = [{ bearerAuth: [] }];

export const listPresetsRoute = createRoute({
  operationId: "listPresets",
  method: "get",
  path: "/v1/presets",
  tags,
  security,
  middleware: requireAuthInLibrary,
  summary: "Your presets and the built-in ones",
  description:
    "Named rendition recipes: the built-in `thumbnail` (256 px WebP, the gallery thumbnail itself), `web` (1600 px " +
    "WebP, quality 80) and `social-square` (1080×1080 cover JPEG), then yours. Use one as `?preset=<name>` on " +
    "GET /v1/images/{id}/file or as `preset` when creating a processing session.",
  responses: {
    200: jsonContent(PresetListSchema, "The presets."),
    ...problemResponses(401),
  },
});

export const putPresetRoute = createRoute({
  operationId: "putPreset",
  method: "put",
  path: "/v1/presets/{name}",
  tags,
  security,
  middleware: chain(limitJsonBody, requireAuthInLibrary),
  summary: "Create or replace a preset",
  description:
    "Saves `options` under `name`, replacing a preset of yours of that name. A built-in preset's name is refused " +
    "(409). At most `PRESETS_PER_USER` presets of your own (422 for one more; replacing one is always possible). A " +
    "`watermark.imageId` must be one of your images (422). Signed links made with the preset's earlier options stop " +
    "working (403); `?preset=` with a bearer token gives the new ones at once.",
  request: {
    params: PresetParamSchema,
    body: jsonBody(z.strictObject({ options: PresetOptionsSchema }).openapi("PresetPut"), {
      options: { format: "webp", width: 1200, height: 630, fit: "cover", gravity: "auto", quality: 80 },
    }),
  },
  responses: {
    201: jsonContent(PresetSchema, "Created."),
    200: jsonContent(PresetSchema, "Replaced."),
    ...problemResponses(400, 401, 409, 413, 422),
  },
});

export const renamePresetRoute = createRoute({
  operationId: "renamePreset",
  method: "patch",
  path: "/v1/presets/{name}",
  tags,
  security,
  middleware: chain(limitJsonBody, requireAuthInLibrary),
  summary: "Rename a preset",
  description:
    "Gives one of your presets a new `name`. A name already used (by one of yours or a built-in one) is a 409, " +
    "and built-in presets cannot be renamed (409). Links naming the old name stop working.",
  request: {
    params: PresetParamSchema,
    body: jsonBody(z.strictObject({ name: PresetNameSchema }).openapi("PresetRename"), { name: "og-image" }),
  },
  responses: {
    200: jsonContent(PresetSchema, "Renamed."),
    ...problemResponses(400, 401, 404, 409, 413),
  },
});

export const deletePresetRoute = createRoute({
  operationId: "deletePreset",
  method: "delete",
  path: "/v1/presets/{name}",
  tags,
  security,
  middleware: requireAuthInLibrary,
  summary: "Delete a preset",
  description:
    "Built-in presets cannot be deleted (409). Renditions made with it stay stored with their images; processing " +
    "sessions created with it keep their output.",
  request: { params: PresetParamSchema },
  responses: {
    204: { description: "Deleted." },
    ...problemResponses(400, 401, 404, 409),
  },
});
