import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { ImagifyClient } from "../../openapi/client";
import { getImageFileRoute as getImageFile, uploadImageRoute as uploadImage } from "../../src/images/images.routes";
import { objectsPrefix } from "../../src/images/store/image-objects";
import { taggingInput } from "../../src/images/taggers";
import { createServices } from "../../src/services";
import { type FixtureName, fixtureBytes } from "../fixtures";
import { expectContract } from "./contract";
import { librarySql } from "./library";

export type Image = Awaited<ReturnType<typeof expectContract<typeof uploadImage, 201>>>;

/**
 * A fixture with random bytes appended after the image data, so its SHA-256 is unique to the caller (the AI stub
 * is programmed per SHA-256 and shared across test files). Decoders and the sniffer ignore trailing bytes.
 */
export function uniqueImage(name: FixtureName, extra = 16): Uint8Array {
  const base = fixtureBytes(name);
  const out = new Uint8Array(base.length + extra);
  out.set(base, 0);
  out.set(crypto.getRandomValues(new Uint8Array(extra)), base.length);
  return out;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function uploadForm(bytes: Uint8Array, filename = "image.bin", type = "application/octet-stream"): FormData {
  const form = new FormData();
  form.append("file", new File([bytes], filename, { type }));
  return form;
}

/** POST /v1/images through the SDK; returns the openapi-fetch result (assert it with expectContract). */
export function postImage(client: ImagifyClient, bytes: Uint8Array, filename?: string, type?: string) {
  return client.POST("/v1/images", { body: uploadForm(bytes, filename, type) as never });
}

/** Uploads and asserts 201 against the contract. */
export async function uploadOk(
  client: ImagifyClient,
  bytes: Uint8Array,
  filename?: string,
  type?: string,
): Promise<Image> {
  return expectContract(uploadImage, 201, await postImage(client, bytes, filename, type));
}

/**
 * The SHA-256 of what the model is shown of these bytes (an upright 384 px JPEG the image engine makes, see
 * src/images/taggers.ts): the key the AI stub is programmed and counted by.
 */
export async function taggerInputSha(bytes: Uint8Array): Promise<string> {
  // An image the engine cannot decode never reaches the model (its tagging fails): any key will do.
  const input = await taggingInput(createServices(env).platform.images, bytes).catch(() => bytes);
  return sha256Hex(input);
}

/** Programs the AI stub for these bytes, then uploads them (201). */
export async function uploadLabelled(
  client: ImagifyClient,
  bytes: Uint8Array,
  output: { label: string; score: number }[],
  filename = "photo.png",
): Promise<Image> {
  await env.AI_STUB.program(await taggerInputSha(bytes), { output });
  return uploadOk(client, bytes, filename);
}

export function bearer(accessToken: string): HeadersInit {
  return { Authorization: `Bearer ${accessToken}` };
}

export async function countImageRows(userId: string): Promise<number> {
  const [row] = await librarySql<{ n: number }>(userId, "SELECT COUNT(*) AS n FROM images");
  return row?.n ?? 0;
}

export async function countTagRows(userId: string, imageId: string): Promise<number> {
  const [row] = await librarySql<{ n: number }>(
    userId,
    "SELECT COUNT(*) AS n FROM image_tags WHERE image_id = ?",
    imageId,
  );
  return row?.n ?? 0;
}

export async function listObjectKeys(userId: string): Promise<string[]> {
  const listed = await env.BUCKET.list({ prefix: objectsPrefix(userId) });
  return listed.objects.map((o) => o.key);
}

/** Asserts that nothing at all is stored for the user: no images row, no R2 object. */
export async function expectNothingStored(userId: string): Promise<void> {
  expect(await countImageRows(userId), "images rows").toBe(0);
  expect(await listObjectKeys(userId), "R2 objects").toEqual([]);
}

/**
 * The file route's 200/206 bodies are declared as `image/*` (a media range), which expectContract compares
 * literally; this checks the same things for a binary response: declared status, an image/* content type, bytes.
 */
export async function expectFile(status: 200 | 206, response: Response): Promise<Uint8Array> {
  const body = new Uint8Array(await response.clone().arrayBuffer());
  expect(response.status, `file answered ${response.status}: ${new TextDecoder().decode(body.slice(0, 300))}`).toBe(
    status,
  );
  const declared = getImageFile.responses[status] as { content?: Record<string, unknown> };
  expect(Object.keys(declared.content ?? {})).toEqual(["image/*"]);
  expect(response.headers.get("content-type") ?? "").toMatch(/^image\/(jpeg|png|webp|gif)$/);
  return body;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A real 640×480 PNG, made by the Images binding from a tiny fixture, unique per call (random bytes after IEND). */
export async function photoBytes(): Promise<Uint8Array> {
  const made = await env.IMAGES.input(new Blob([fixtureBytes("tiny.png")]).stream())
    .transform({ width: 640, height: 480 })
    .output({ format: "image/png" });
  const bytes = new Uint8Array(await made.response().arrayBuffer());
  const out = new Uint8Array(bytes.length + 16);
  out.set(bytes);
  out.set(crypto.getRandomValues(new Uint8Array(16)), bytes.length);
  return out;
}
