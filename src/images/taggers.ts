import { ConfigError } from "../lib/config";
import type { Platform } from "../platform";
import { type ImageFormat, sniffImage } from "./sniff";
import { parseResNetOutput, RESNET50_MODEL, type Tagger, TaggerError, type TaggingOutcome, tagImage } from "./tagger";

// The taggers a deployment can be configured with: Workers AI in production, the tagger/ service locally.

/** Production: Workers AI, called the documented way (`{ image: number[] }` of the encoded file's bytes). */
export function workersAiTagger(ai: Pick<Ai, "run">): Tagger {
  return {
    name: "Workers AI",
    async classify(image) {
      let answer: unknown;
      try {
        answer = await ai.run(RESNET50_MODEL, { image: Array.from(image) });
      } catch (error) {
        // The upstream message is logged, not stored: tagError reaches clients.
        console.error("Workers AI error", error instanceof Error ? error.message : String(error));
        throw new TaggerError("Workers AI could not tag the image");
      }
      return { labels: parseResNetOutput(answer, "Workers AI"), model: RESNET50_MODEL };
    },
  };
}

/**
 * Local development: the tagger/ service, which runs microsoft/resnet-50 on CPU and answers exactly as Workers AI
 * does. Selected only by TAGGER="local" (set by `npm start` in .dev.vars), never by default.
 */
export function localTagger(baseUrl: string): Tagger {
  return {
    name: "local tagger",
    async classify(image) {
      let response: Response;
      try {
        response = await fetch(new URL("/run", baseUrl), {
          method: "POST",
          headers: { "Content-Type": "application/octet-stream" },
          body: image,
        });
      } catch {
        throw new TaggerError(`the local tagger at ${baseUrl} is not running (npm start starts it)`);
      }
      const body = (await response.json().catch(() => null)) as { detail?: unknown } | null;
      if (!response.ok) {
        const detail = typeof body?.detail === "string" ? body.detail : `HTTP ${response.status}`;
        throw new TaggerError(`local tagger: ${detail}`);
      }
      // The service names its model per answer (ResNet-50 once its weights are there, else the embedded detector).
      const model = response.headers.get("x-tagger-model") ?? "local-tagger";
      return { labels: parseResNetOutput(body, "the local tagger"), model };
    },
  };
}

/** The tagger this deployment is configured for. There is no silent fallback: a missing binding is a config error. */
export function selectTagger(platform: Pick<Platform, "ai" | "config">): Tagger {
  const { ai, config } = platform;
  if (config.TAGGER === "local") return localTagger(config.LOCAL_TAGGER_URL);
  if (!ai) throw new ConfigError('TAGGER is "workers-ai" but the AI binding is missing');
  return workersAiTagger(ai);
}

/**
 * What the model is shown of an upload: upright (EXIF orientation and HEIF rotation applied by the Images binding,
 * as Cloudflare applies them before any resize), at most TAGGING_SIDE pixels on the long side, as a JPEG — the scale
 * ResNet-50 works at (224²), a few tens of KiB however large the original (Workers AI takes the bytes as a JSON
 * array of numbers: a 10 MiB original would be ~40 MB of JSON), and decodable by any tagger, HEIC photos included.
 * An image that is already that (small, upright, JPEG/PNG/WebP/GIF) is shown as it is, with no transform. `edit`:
 * the image's edits (edits.ts), applied first, so the model sees the picture as its owner edited it (turned, cut).
 */
export async function taggingInput(
  images: ImagesBinding,
  bytes: Uint8Array,
  edit?: ImageTransform,
): Promise<Uint8Array> {
  const sniffed = sniffImage(bytes);
  const asItIs =
    !edit &&
    sniffed.ok &&
    WEB_FORMATS.has(sniffed.image.format) &&
    sniffed.image.orientation === 1 &&
    Math.max(sniffed.image.width, sniffed.image.height) <= TAGGING_SIDE;
  if (asItIs) return bytes;
  let chain = images.input(new Blob([bytes]).stream());
  if (edit) chain = chain.transform(edit);
  const result = await chain
    .transform({ width: TAGGING_SIDE, height: TAGGING_SIDE, fit: "scale-down" })
    .output({ format: "image/jpeg", quality: 85 });
  return new Uint8Array(await result.response().arrayBuffer());
}

const WEB_FORMATS: ReadonlySet<ImageFormat> = new Set(["jpeg", "png", "webp", "gif"]);

export const TAGGING_SIDE = 384;

/**
 * Tags an image with the configured tagger, minimum score and deadline, shown `input` (its tagging input, when the
 * caller made it already). Failure is an outcome, never thrown.
 */
export async function tagWithConfig(
  platform: Pick<Platform, "ai" | "config" | "images">,
  image: Uint8Array,
  input: Promise<Uint8Array | null> = prepareTaggingInput(platform.images, image),
): Promise<TaggingOutcome> {
  const { config } = platform;
  const tagger = selectTagger(platform);
  const prepared = await input;
  if (!prepared) return { status: "failed", error: "the image could not be prepared for the tagger" };
  return tagImage(tagger, prepared, { minScore: config.TAG_MIN_SCORE, timeoutMs: config.TAGGER_TIMEOUT_MS });
}

/** `taggingInput`, or null (logged) when the Images binding could not make it. */
export async function prepareTaggingInput(
  images: ImagesBinding,
  bytes: Uint8Array,
  edit?: ImageTransform,
): Promise<Uint8Array | null> {
  try {
    return await taggingInput(images, bytes, edit);
  } catch (error) {
    console.error("tagging input failed", { error: error instanceof Error ? error.message : String(error) });
    return null;
  }
}
