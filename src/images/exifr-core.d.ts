// Types for the part of exifr's modular core that src/images/photo-metadata.ts imports: exifr ships types for its
// prebuilt bundles only ("exifr"), not for the modules under exifr/src/ that a custom build is made of.
declare module "exifr/src/core.mjs" {
  export class Exifr {
    constructor(options: object);
    read(input: Uint8Array): Promise<void>;
    parse(): Promise<Record<string, unknown> | undefined>;
  }
}
declare module "exifr/src/file-parsers/tiff.mjs" {}
declare module "exifr/src/segment-parsers/tiff-exif.mjs" {}
