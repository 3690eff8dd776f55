import type { Config } from "../lib/config";
import { ConfigError } from "../lib/config";
import { localTagger } from "./local-tagger";
import type { Tagger } from "./tagger";
import { workersAiTagger } from "./workers-ai-tagger";

/** The tagger this deployment is configured for. There is no silent fallback: a missing binding is a config error. */
export function selectTagger(env: Env, config: Config): Tagger {
  if (config.TAGGER === "local") return localTagger(config.LOCAL_TAGGER_URL);
  if (!env.AI) throw new ConfigError('TAGGER is "workers-ai" but the AI binding is missing');
  return workersAiTagger(env.AI);
}
