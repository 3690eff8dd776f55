// The fixtures of test/setup/photo-fixtures.ts, fetched from inside workerd. Plain constants here, so both sides share
// them without the Worker's side importing sharp.
import { inject } from "vitest";

/**
 * The 64 bits the /png/<case> images encode: in row r, the luminance steps up 8 levels from column c to c + 1 where
 * bit (r, c) is 1 and down 8 where it is 0 (a dHash reads exactly these bits back).
 */
export const HASH_PATTERN = "d3a5c4e1973cf00f";

/** The bytes of a fixture, e.g. "/exif/full.jpg", "/photo/chelsea.png/half", "/png/palette". */
export async function photoFixture(path: string): Promise<Uint8Array> {
  const response = await fetch(`${inject("photoFixturesUrl")}${path}`);
  if (!response.ok) throw new Error(`fixture ${path}: ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The photos the perceptual hash is measured on. */
export async function hashPhotos(): Promise<string[]> {
  const response = await fetch(`${inject("photoFixturesUrl")}/photos`);
  return response.json();
}
