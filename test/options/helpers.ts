// Shared by the processing-option tests: the photos (test/setup/image-engine.ts makes them), renditions through the
// Worker, and what the pixel oracle (sharp, outside workerd) sees in them.
import { expect, inject } from "vitest";
import { getImageFileRoute as getImageFile } from "../../src/images/images.routes";
import { call, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bearer, uploadOk } from "../helpers/images";

const decode = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/** scikit-image's chelsea.png: a real photo, 451×300. */
export const PHOTO = decode(inject("phonePhotos").upright);
export const PHOTO_SIZE = { width: 451, height: 300 };
/** A 120×60 PNG: an opaque 80×20 red block in a transparent 20 px frame. */
export const LOGO = decode(inject("optionPhotos").logo);
/** The photo as a camera's JPEG, with a copyright and a GPS location in its EXIF. */
export const PHOTO_WITH_EXIF = decode(inject("optionPhotos").withExif);

export interface Gray {
  format: string;
  width: number;
  height: number;
  gray: number[];
}

/** POST `bytes` to the pixel oracle's `path` (`/gray?size=16`, `/rgb?size=0`, `/exif`, with reference operations). */
export async function oracle<T = Gray>(path: string, bytes: Uint8Array): Promise<T> {
  const response = await fetch(`${inject("pixelOracleUrl")}${path}`, { method: "POST", body: bytes });
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json() as Promise<T>;
}

/** A fresh user with the photo (and, when asked, the logo) uploaded. */
export async function userWithPhoto(options: { logo?: boolean; photo?: Uint8Array } = {}) {
  const user = await signedInClient();
  const image = await uploadOk(user.client, options.photo ?? PHOTO, "chelsea.png");
  const logo = options.logo ? await uploadOk(user.client, LOGO, "logo.png") : undefined;
  return { ...user, image, logo };
}

export function fileUrl(id: string, query: Record<string, string | number>): string {
  const params = new URLSearchParams(Object.entries(query).map(([name, value]) => [name, String(value)]));
  return `/v1/images/${id}/file?${params}`;
}

/** GET a rendition with the bearer token; 200 expected. */
export async function rendition(
  user: { tokens: { accessToken: string } },
  id: string,
  query: Record<string, string | number>,
): Promise<{ bytes: Uint8Array; response: Response }> {
  const response = await call(fileUrl(id, query), { headers: bearer(user.tokens.accessToken) });
  const bytes = new Uint8Array(await response.arrayBuffer());
  expect(response.status, `${fileUrl(id, query)}: ${new TextDecoder().decode(bytes.slice(0, 400))}`).toBe(200);
  return { bytes, response };
}

/** GET a rendition that must be refused with `status`; the problem, parsed with the route's schema. */
export async function refused(
  user: { tokens: { accessToken: string } },
  id: string,
  query: Record<string, string | number>,
  status: 400 | 403 | 404 | 422,
) {
  return expectContract(
    getImageFile,
    status,
    await call(fileUrl(id, query), { headers: bearer(user.tokens.accessToken) }),
  );
}

/** Mean absolute difference of two equally long sample arrays (0–255). */
export function meanDifference(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((sum, value, i) => sum + Math.abs(value - b[i]!), 0) / a.length;
}

export function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Variance of the 4-neighbour Laplacian over the inner pixels of a grayscale: high for sharp images. */
export function laplacianVariance(gray: number[], width: number, height: number): number {
  const values: number[] = [];
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const at = (dx: number, dy: number) => gray[(y + dy) * width + x + dx]!;
      values.push(4 * at(0, 0) - at(-1, 0) - at(1, 0) - at(0, -1) - at(0, 1));
    }
  }
  const m = mean(values);
  return mean(values.map((v) => (v - m) ** 2));
}
