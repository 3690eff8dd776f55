import { Classifier } from "./classifier.js";
import { MODEL_ID } from "./config.js";
import { imageToTensor } from "./image-to-tensor.js";
import { labelMismatches, labelsFromId2Label, readBundledLabels } from "./labels.js";
import { findModelFiles, sha256File } from "./model-files.js";
import { preprocessingFrom } from "./preprocessor.js";
import { softmax, topK } from "./top-k.js";

/** What X-Tagger-Model and /health call this model. */
export const RESNET_MODEL_NAME = "resnet-50-onnx";

const FETCH_HINT =
  "Run `npm run model:fetch` in tagger/ once (needs internet); the tagger picks the files up without a restart.";

/**
 * Loads microsoft/resnet-50 (ONNX) from config.modelDir, or says why it cannot. Never throws.
 * @param {import('./config.js').TaggerConfig} config
 * @param {(message: string) => void} log
 * @returns {Promise<{ engine: import('./tagger.js').Engine } | { reason: string }>}
 */
export async function loadResnet(config, log) {
  const dir = config.modelDir;
  try {
    const files = await findModelFiles(dir);
    if (!files) return { reason: `The ResNet-50 weights are missing: no onnx/model.onnx in ${dir}. ${FETCH_HINT}` };
    const sha256 = await sha256File(files.modelPath);
    const expected = files.receipt?.files?.[files.modelFile]?.sha256;
    if (expected && expected !== sha256) {
      return {
        reason: `${files.modelFile} does not match its recorded sha256 (corrupt or partial download). ${FETCH_HINT}`,
      };
    }
    const labels = await labelsFor(files.config, log);
    const pre = preprocessingFrom(files.preprocessorConfig);
    const classifier = await Classifier.load(files.modelPath, { threads: config.threads });
    await checkSignature(classifier, pre.cropSize, labels.length).catch(async (error) => {
      await classifier.release();
      throw error;
    });
    log(`model loaded: ${files.modelPath} (sha256 ${sha256})`);
    return {
      engine: {
        info: { name: RESNET_MODEL_NAME, id: MODEL_ID, file: files.modelFile, sha256 },
        prepare: (bytes) => imageToTensor(bytes, pre, config),
        infer: async ({ data, dims }) => topK(softmax(await classifier.logits(data, dims)), labels, 5),
        release: () => classifier.release(),
      },
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { reason: `The model in ${dir} could not be loaded: ${message}. ${FETCH_HINT}` };
  }
}

/**
 * The model's own config.json id2label wins when present (it belongs to the weights);
 * labels.json is the fallback. A disagreement between the two is logged.
 * @param {any} config
 * @param {(message: string) => void} log
 */
async function labelsFor(config, log) {
  const bundled = await readBundledLabels();
  const fromConfig = labelsFromId2Label(config);
  if (!fromConfig) return bundled;
  const mismatches = labelMismatches(bundled, fromConfig);
  if (mismatches.length > 0) {
    const i = mismatches[0];
    log(
      `config.json id2label differs from labels.json at ${mismatches.length} indices ` +
        `(first: ${i} "${fromConfig[i]}" vs "${bundled[i]}"); using config.json`,
    );
  }
  return fromConfig;
}

/**
 * Runs a blank image once: checks the model's input/output shapes and warms it up.
 * @param {Classifier} classifier
 * @param {number} size
 * @param {number} labelCount
 */
async function checkSignature(classifier, size, labelCount) {
  const logits = await classifier.logits(new Float32Array(3 * size * size), [1, 3, size, size]);
  if (logits.length !== labelCount) {
    throw new Error(`the model outputs ${logits.length} logits but there are ${labelCount} labels`);
  }
}
