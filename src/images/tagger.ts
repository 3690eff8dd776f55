import * as z from "zod";
import { normaliseLabel } from "./labels";

export const RESNET50_MODEL = "@cf/microsoft/resnet-50";

/** What Workers AI answers for @cf/microsoft/resnet-50: the top 5 ImageNet classes, labels upper-case. */
export const ResNetOutputSchema = z
  .array(z.object({ label: z.string().min(1), score: z.number().min(0).max(1) }))
  .max(1000);
export type ResNetOutput = z.infer<typeof ResNetOutputSchema>;

/** A tagger's answer: labels in the Workers AI shape, and which model produced them. */
export interface Classification {
  labels: ResNetOutput;
  /** Recorded on every AI tag, so nobody mistakes one model's labels for another's. */
  model: string;
}

/** Labels the encoded bytes of an image. Implementations throw TaggerError on any failure. */
export interface Tagger {
  readonly name: string;
  classify(image: Uint8Array): Promise<Classification>;
}

export class TaggerError extends Error {
  override name = "TaggerError";
}

/** Validates a tagger's answer against the Workers AI contract. */
export function parseResNetOutput(answer: unknown, source: string): ResNetOutput {
  const parsed = ResNetOutputSchema.safeParse(answer);
  if (!parsed.success) throw new TaggerError(`${source} answered in an unexpected shape`);
  return parsed.data;
}

export interface Tag {
  label: string;
  score: number;
}

/** Normalised, de-duplicated (keeping the best score), at least `minScore`, best first. */
export function toTags(output: ResNetOutput, minScore: number): Tag[] {
  const best = new Map<string, number>();
  for (const { label, score } of output) {
    const normalised = normaliseLabel(label);
    if (normalised && score >= minScore && score > (best.get(normalised) ?? -1)) best.set(normalised, score);
  }
  return [...best].map(([label, score]) => ({ label, score })).sort((a, b) => b.score - a.score);
}

export type TaggingOutcome = { status: "tagged"; tags: Tag[]; model: string } | { status: "failed"; error: string };

/** Runs the tagger with a deadline. Never throws: a failure is an outcome, logged, and the upload goes on. */
export async function tagImage(
  tagger: Tagger,
  image: Uint8Array,
  options: { minScore: number; timeoutMs: number },
): Promise<TaggingOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TaggerError(`${tagger.name} did not answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
  });
  try {
    const { labels, model } = await Promise.race([tagger.classify(image), deadline]);
    return { status: "tagged", tags: toTags(labels, options.minScore), model };
  } catch (error) {
    const reason = error instanceof TaggerError ? error.message : `${tagger.name} failed`;
    console.error("tagging failed", {
      tagger: tagger.name,
      reason,
      error: error instanceof Error ? error.message : String(error),
    });
    return { status: "failed", error: reason };
  } finally {
    clearTimeout(timer);
  }
}
