// Judging images by their pixels: small grayscales (n×n, row-major, 0–255) of what the API serves, compared with one
// of the upright photo. Shared by the photo tests (test/photos/) and the live check (scripts/check-phone-photos.ts).

/** Upright enough: the same picture, allowing for resampling and JPEG/WebP loss (turned the wrong way it scores ~26). */
export const UPRIGHT_DISTANCE = 8;

/** Mean absolute difference of two grayscales, 0–255. */
export function grayDistance(a: number[], b: number[]): number {
  return a.reduce((sum, value, i) => sum + Math.abs(value - (b[i] ?? 0)), 0) / a.length;
}

/** An n×n grayscale turned a quarter turn anticlockwise (what HEIF's `irot` 90 shows). */
export function quarterTurnLeft(gray: number[], n = 16): number[] {
  // Row r, column c of the turned image is row c, column n-1-r of the original.
  return Array.from({ length: n * n }, (_, i) => gray[(i % n) * n + (n - 1 - Math.floor(i / n))]!);
}
