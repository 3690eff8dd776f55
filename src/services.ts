import { AuthService } from "./auth/auth.service";
import { ImageEditService } from "./images/edits.service";
import { ImageService } from "./images/images.service";
import { localImagesBinding } from "./images/local-images-binding";
import { PresetService } from "./images/presets.service";
import { LegacyService } from "./legacy/legacy.service";
import { getConfig } from "./lib/config";
import type { Platform } from "./platform";
import { ProcessingService } from "./processing/processing.service";

/** Every service of the API, built once per Worker environment. */
export interface Services {
  platform: Platform;
  auth: AuthService;
  images: ImageService;
  edits: ImageEditService;
  presets: PresetService;
  processing: ProcessingService;
  legacy: LegacyService;
}

const built = new WeakMap<Env, Services>();

/**
 * The composition root: the one place the services are built from the bindings and the configuration, for the HTTP
 * handlers (app.ts puts them on `c.var.services`), the Durable Objects and the cron alike. Throws ConfigError when
 * the configuration is invalid.
 */
export function createServices(env: Env): Services {
  const cached = built.get(env);
  if (cached) return cached;
  const config = getConfig(env);
  const platform: Platform = {
    config,
    db: env.DB,
    bucket: env.BUCKET,
    // Never silently: IMAGE_ENGINE=local is set by `npm start` and the tests, never by default.
    images: config.IMAGE_ENGINE === "local" ? localImagesBinding(config.LOCAL_IMAGE_ENGINE_URL) : env.IMAGES,
    processingSessions: env.PROCESSING_SESSIONS,
    libraries: env.LIBRARY,
    taggingQueue: env.TAGGING_QUEUE,
    ai: env.AI,
    // SITEVERIFY exists only in the test environment (wrangler.toml); elsewhere siteverify is the Internet.
    siteverify: env.SITEVERIFY ?? globalThis,
  };
  const presets = new PresetService(platform);
  const images = new ImageService(platform, presets);
  const edits = new ImageEditService(platform);
  const processing = new ProcessingService(platform, images, presets);
  const auth = new AuthService(platform, { images, processing });
  const legacy = new LegacyService(platform, { auth, images });
  const services = { platform, auth, images, edits, presets, processing, legacy };
  built.set(env, services);
  return services;
}
