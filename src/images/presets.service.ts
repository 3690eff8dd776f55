import { ApiError, invalidField } from "../lib/problem";
import type { Caller, Platform } from "../platform";
import { openLibrary } from "./library/library-client";
import { BUILT_IN_PRESETS, isBuiltInPreset, type PresetOptions, presetHash } from "./presets";
import type { PresetRow } from "./store/preset-rows";

/** A preset as the API shows it: the owner's (with its times) or a built-in one. */
export interface Preset {
  name: string;
  builtIn: boolean;
  options: PresetOptions;
  createdAt: number | null;
  updatedAt: number | null;
}

const builtIn = (name: string): Preset => ({
  name,
  builtIn: true,
  options: BUILT_IN_PRESETS[name]!,
  createdAt: null,
  updatedAt: null,
});

const own = (row: PresetRow): Preset => ({
  name: row.name,
  builtIn: false,
  options: row.options,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const builtInRefused = (name: string, what: string) =>
  new ApiError("conflict", `\`${name}\` is a built-in preset: it cannot be ${what}. Choose another name.`);

const missing = (name: string) => new ApiError("not_found", `You have no preset named \`${name}\`.`);

/**
 * The caller's presets (named rendition recipes, stored in their library: store/preset-rows.ts) next to the built-in
 * ones (presets.ts), and how a name given as a parameter becomes the options it stands for.
 */
export class PresetService {
  constructor(private readonly platform: Platform) {}

  private library(caller: Caller) {
    return openLibrary(this.platform, caller);
  }

  /** The built-in presets, then the caller's, by name; and how many of their own they may have. */
  async list(caller: Caller): Promise<{ items: Preset[]; limit: number }> {
    const rows = await this.library(caller).presets();
    return {
      items: [...Object.keys(BUILT_IN_PRESETS).map(builtIn), ...rows.map(own)],
      limit: this.platform.config.PRESETS_PER_USER,
    };
  }

  /**
   * Creates or replaces the caller's preset `name`. Built-in names are refused (409), a watermark must be one of the
   * caller's images (422), and a new preset beyond PRESETS_PER_USER is refused (422) atomically in the library.
   */
  async put(caller: Caller, name: string, options: PresetOptions): Promise<{ preset: Preset; created: boolean }> {
    if (isBuiltInPreset(name)) throw builtInRefused(name, "replaced");
    const watermark = options.watermark?.imageId;
    if (watermark !== undefined && !(await this.library(caller).ownedIds([watermark])).includes(watermark)) {
      throw new ApiError("unprocessable", `The watermark is not one of your images: ${watermark}.`, {
        errors: [{ path: "body.options.watermark.imageId", message: `${watermark} is not one of your images` }],
      });
    }
    const max = this.platform.config.PRESETS_PER_USER;
    const saved = await this.library(caller).savePreset(name, options, Date.now(), max);
    if ("full" in saved) {
      throw new ApiError(
        "unprocessable",
        `You have ${saved.full} presets, the most you may have (PRESETS_PER_USER = ${max}); replace or delete one.`,
      );
    }
    return { preset: own(saved.preset), created: saved.created };
  }

  /** Renames one of the caller's presets; a name in use (theirs or built-in) is a 409. */
  async rename(caller: Caller, name: string, to: string): Promise<Preset> {
    if (isBuiltInPreset(name)) throw builtInRefused(name, "renamed");
    if (isBuiltInPreset(to)) throw new ApiError("conflict", `\`${to}\` is the name of a built-in preset.`);
    const renamed = await this.library(caller).renamePreset(name, to, Date.now());
    if (renamed === "missing") throw missing(name);
    if (renamed === "taken") throw new ApiError("conflict", `You already have a preset named \`${to}\`.`);
    return own(renamed);
  }

  async remove(caller: Caller, name: string): Promise<void> {
    if (isBuiltInPreset(name)) throw builtInRefused(name, "deleted");
    if (!(await this.library(caller).deletePreset(name))) throw missing(name);
  }

  /**
   * The options preset `name` stands for (the caller's or a built-in one), and their digest (presetHash); an unknown
   * name is a 400 naming `parameter` (`query.preset`, `body.preset`).
   */
  async resolve(caller: Caller, name: string, parameter: string): Promise<{ options: PresetOptions; hash: string }> {
    const options = isBuiltInPreset(name)
      ? BUILT_IN_PRESETS[name]!
      : (await this.library(caller).preset(name))?.options;
    if (!options) {
      throw invalidField(parameter, `No preset named \`${name}\`: GET /v1/presets lists yours and the built-in ones.`);
    }
    return { options, hash: await presetHash(options) };
  }
}
