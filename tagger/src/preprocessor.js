/**
 * How an image becomes `pixel_values`, read from a Hugging Face preprocessor_config.json.
 * The defaults ARE microsoft/resnet-50's config (ConvNextImageProcessor):
 *   {"crop_pct": 0.875, "resample": 3, "size": {"shortest_edge": 224}, "rescale_factor": 1/255,
 *    "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]}
 *
 * @typedef {object} Preprocessing
 * @property {number} resizeShortestEdge   shortest edge after resizing (224 / 0.875 = 256)
 * @property {number} cropSize             centre crop, square (224)
 * @property {'nearest'|'linear'|'cubic'|'lanczos3'} kernel  sharp resize kernel
 * @property {number} rescale              1/255
 * @property {[number, number, number]} mean
 * @property {[number, number, number]} std
 */

export const RESNET50_PREPROCESSING = /** @type {Readonly<Preprocessing>} */ (
  Object.freeze({
    resizeShortestEdge: 256,
    cropSize: 224,
    kernel: "cubic",
    rescale: 1 / 255,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  })
);

// PIL resample codes used by transformers → closest sharp kernel
// (sharp "cubic" is Catmull-Rom, the same a = -0.5 kernel as PIL BICUBIC).
const KERNELS = /** @type {const} */ ({
  0: "nearest",
  1: "lanczos3",
  2: "linear",
  3: "cubic",
  4: "linear",
  5: "cubic",
});

/**
 * @param {any} config  parsed preprocessor_config.json, or null for the defaults
 * @returns {Preprocessing}
 */
export function preprocessingFrom(config) {
  if (!config) return RESNET50_PREPROCESSING;
  const shortest = config.size?.shortest_edge ?? (typeof config.size === "number" ? config.size : 224);
  const cropPct = config.crop_pct ?? 0.875;
  // ConvNextImageProcessor: below 384 px, resize the short edge to shortest/crop_pct, then centre-crop.
  const resizeShortestEdge = shortest < 384 ? Math.floor(shortest / cropPct) : shortest;
  const result = {
    resizeShortestEdge,
    cropSize: shortest,
    kernel: KERNELS[/** @type {keyof typeof KERNELS} */ (config.resample ?? 3)] ?? "cubic",
    rescale: config.do_rescale === false ? 1 : (config.rescale_factor ?? 1 / 255),
    mean: config.do_normalize === false ? [0, 0, 0] : (config.image_mean ?? RESNET50_PREPROCESSING.mean),
    std: config.do_normalize === false ? [1, 1, 1] : (config.image_std ?? RESNET50_PREPROCESSING.std),
  };
  if (!(result.cropSize > 0 && result.resizeShortestEdge >= result.cropSize)) {
    throw new Error(`unsupported preprocessor_config.json size: ${JSON.stringify(config.size)}`);
  }
  if (result.mean.length !== 3 || result.std.length !== 3) throw new Error("image_mean/image_std must have 3 values");
  return /** @type {Preprocessing} */ (result);
}

/**
 * Size after "resize the shortest edge to `edge`, keep the aspect ratio" (transformers'
 * get_resize_output_image_size with default_to_square=False: the long side is truncated).
 * @param {number} width
 * @param {number} height
 * @param {number} edge
 */
export function shortestEdgeSize(width, height, edge) {
  if (width <= height) return { width: edge, height: Math.floor((edge * height) / width) };
  return { width: Math.floor((edge * width) / height), height: edge };
}
