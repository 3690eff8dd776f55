import type * as z from "zod";
import { createRouter } from "../routes/create-router";
import {
  deletePresetRoute,
  listPresetsRoute,
  type PresetSchema,
  putPresetRoute,
  renamePresetRoute,
} from "./presets.routes";
import type { Preset } from "./presets.service";

export const presetsRouter = createRouter()
  .openapi(listPresetsRoute, async (c) => {
    const { items, limit } = await c.var.services.presets.list(c.var.caller);
    return c.json({ items: items.map(presentPreset), limit }, 200);
  })
  .openapi(putPresetRoute, async (c) => {
    const { name } = c.req.valid("param");
    const saved = await c.var.services.presets.put(c.var.caller, name, c.req.valid("json").options);
    const body = presentPreset(saved.preset);
    return saved.created ? c.json(body, 201) : c.json(body, 200);
  })
  .openapi(renamePresetRoute, async (c) => {
    const { name } = c.req.valid("param");
    const renamed = await c.var.services.presets.rename(c.var.caller, name, c.req.valid("json").name);
    return c.json(presentPreset(renamed), 200);
  })
  .openapi(deletePresetRoute, async (c) => {
    await c.var.services.presets.remove(c.var.caller, c.req.valid("param").name);
    return c.body(null, 204);
  });

function presentPreset(preset: Preset): z.infer<typeof PresetSchema> {
  const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    name: preset.name,
    builtIn: preset.builtIn,
    options: preset.options,
    createdAt: at(preset.createdAt),
    updatedAt: at(preset.updatedAt),
  };
}
