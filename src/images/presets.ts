// Presets: named rendition recipes (size, fit, format, quality and any processing option), the owner's own (stored in
// their library, store/preset-rows.ts) and a few built in. One is used as `?preset=<name>` on the file route, where
// it is exactly those parameters (the same name, the same stored file, the same bytes), and as `preset` when a
// processing session is created, where it becomes the session's `output`.
import { sha256Hex } from "../lib/encoding";
import { type RenditionParams, renditionQuery } from "./rendition-options";
import { THUMBNAIL } from "./rendition-spec";

export const PRESET_FORMATS = ["webp", "avif", "jpeg", "png"] as const;

/** What a preset holds: a rendition's parameters with a definite format (a session's output needs one). */
export interface PresetOptions extends Omit<RenditionParams, "format"> {
  format: (typeof PRESET_FORMATS)[number];
}

export const PRESET_NAME = /^[a-z0-9-]{1,40}$/;

/** Offered to everyone, never stored, never changed: their names cannot be taken. */
export const BUILT_IN_PRESETS: Readonly<Record<string, PresetOptions>> = {
  // Exactly the gallery thumbnail every image links to: the same stored file.
  thumbnail: { ...THUMBNAIL, format: "webp" },
  web: { format: "webp", width: 1600, quality: 80 },
  "social-square": { format: "jpeg", width: 1080, height: 1080, fit: "cover", quality: 85 },
};

export function isBuiltInPreset(name: string): boolean {
  return Object.hasOwn(BUILT_IN_PRESETS, name);
}

/**
 * A short digest of a preset's options, in their one flat spelling (the one a signed link signs): a signed link to a
 * preset carries it (`ph`), so a link made before the preset changed no longer opens (see signed-url.ts).
 */
export async function presetHash(options: PresetOptions): Promise<string> {
  const canonical = renditionQuery(options)
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
  return (await sha256Hex(canonical)).slice(0, 16);
}
