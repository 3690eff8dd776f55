import type { Config } from "../../lib/config";
import { ConfigError } from "../../lib/config";
import { localTagger } from "./local-tagger";
import { type Tagger, type TaggingOutcome, tagImage } from "./tagger";
import { workersAiTagger } from "./workers-ai-tagger";

/** The tagger this deployment is configured for. There is no silent fallback: a missing binding is a config error. */
export function selectTagger(bindings: { AI?: Pick<Ai, "run"> }, config: Config): Tagger {
  if (config.TAGGER === "local") return localTagger(config.LOCAL_TAGGER_URL);
  if (!bindings.AI) throw new ConfigError('TAGGER is "workers-ai" but the AI binding is missing');
  return workersAiTagger(bindings.AI);
}

/** Tags an image under the configured minimum score and deadline. Never throws: failure is an outcome. */
export function tagWithConfig(tagger: Tagger, config: Config, image: Uint8Array): Promise<TaggingOutcome> {
  return tagImage(tagger, image, { minScore: config.TAG_MIN_SCORE, timeoutMs: config.TAGGER_TIMEOUT_MS });
}
