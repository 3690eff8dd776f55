// Types for the image-engine/ test helpers (plain ESM JavaScript) used by image-engine.ts.
declare module "*/image-engine/test/helpers/heif.js" {
  export function heifEnc(source: Uint8Array, options?: { quality?: number; avif?: boolean }): Promise<Buffer>;
  export function withTransformation(heic: Uint8Array, change: { irot: number } | { imir: number }): Buffer;
  export function withDeclaredSize(heic: Uint8Array, width: number, height: number): Buffer;
}
declare module "*/image-engine/test/helpers/images.js" {
  export function orientedJpeg(upright: Uint8Array, orientation: number): Promise<Buffer>;
}
declare module "*/image-engine/test/helpers/photos.js" {
  /** The photos pinned in image-engine/scripts/fetch-test-photos.js. */
  export type PhotoName =
    | "chelsea.png"
    | "astronaut.png"
    | "coffee.png"
    | "rocket.jpg"
    | "camera.png"
    | "coins.png"
    | "moon.png"
    | "page.png"
    | "cell.png"
    | "brick.png"
    | "grass.png"
    | "gravel.png"
    | "motorcycle_left.png"
    | "motorcycle_right.png"
    | "ihc.png"
    | "hubble_deep_field.jpg"
    | "retina.jpg";
  export function photo(name: PhotoName): Promise<Buffer>;
}
