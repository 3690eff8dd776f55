import { parseResNetOutput, RESNET50_MODEL, type Tagger, TaggerError } from "./tagger";

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
