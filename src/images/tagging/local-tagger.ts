import { parseResNetOutput, type Tagger, TaggerError } from "./tagger";

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
