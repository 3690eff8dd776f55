// Types for the tagger/ test helpers (plain ESM JavaScript) used by global-setup.ts.
declare module "*/tagger/test/helpers/images.js" {
  export function solidImage(
    format: "jpeg" | "png" | "webp" | "gif",
    rgb: [number, number, number],
    size?: { width?: number; height?: number },
  ): Promise<Uint8Array>;
}
declare module "*/tagger/test/helpers/onnx/colour-model.js" {
  export function buildColourModel(): Uint8Array;
}
declare module "*/tagger/scripts/fetch-test-photos.js" {
  export const PHOTOS_DIR: string;
  export const PHOTOS: Record<string, string>;
  export function ensureTestPhotos(options?: { log?: (message: string) => void }): Promise<void>;
}
