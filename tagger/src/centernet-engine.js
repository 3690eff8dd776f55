import { CenterNet } from "./centernet.js";
import { COCO_LABELS } from "./coco-labels.js";
import { decodeRgb, resizeRgb } from "./decode-image.js";
import { detectionsToTags } from "./detections.js";

/** What X-Tagger-Model and /health call this model. */
export const CENTERNET_MODEL_NAME = "centernet-coco80";

/**
 * The embedded model: CenterNet from config.embeddedModelDir, answering in the Workers AI shape with
 * COCO class names (up to 5, one per class, each at least config.minDetectionScore). Throws if it
 * cannot be loaded.
 * @param {import('./config.js').TaggerConfig & { embeddedModelDir: string }} config
 * @returns {Promise<import('./tagger.js').Engine>}
 */
export async function loadCenterNet(config) {
  const centerNet = await CenterNet.load(config.embeddedModelDir);
  const size = centerNet.inputSize;
  return {
    info: {
      name: CENTERNET_MODEL_NAME,
      id: "@vladmandic/human/models/centernet",
      file: "centernet.json",
      sha256: centerNet.weightsSha256,
    },
    // Stretched to the square input, not cropped: a detector should see the whole photo.
    prepare: async (bytes) => resizeRgb(await decodeRgb(bytes, config), size, size),
    infer: async (rgb) => detectionsToTags(await centerNet.detect(rgb), COCO_LABELS, config.minDetectionScore),
    release: async () => centerNet.release(),
  };
}
