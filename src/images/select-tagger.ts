import type { Config } from "../lib/config";
import { ConfigError } from "../lib/config";
import { localTagger } from "./local-tagger";
import { type Tagger, type TaggingOutcome, tagImage } from "./tagger";
import { workersAiTagger } from "./workers-ai-tagger";

/** The tagger this deployment is configured for. There is no silent fallback: a missing binding is a config error. */
export function selectTagger(env: Env, config: Config): Tagger {
  if (config.TAGGER === "local") return localTagger(config.LOCAL_TAGGER_URL);
  if (!env.AI) throw new ConfigError('TAGGER is "workers-ai" but the AI binding is missing');
  return workersAiTagger(env.AI);
}

/** Tags an image with this deployment's tagger, under its configured minimum score and deadline. */
export function tagWithConfiguredTagger(env: Env, config: Config, image: Uint8Array): Promise<TaggingOutcome> {
  return tagImage(selectTagger(env, config), image, {
    minScore: config.TAG_MIN_SCORE,
    timeoutMs: config.TAGGER_TIMEOUT_MS,
  });
}
