export const LOCAL_TAGGER_PORT = 18788;
export const MISSING_MODEL_TAGGER_PORT = 18789;
/** The tagger without ResNet-50 weights, answering with its embedded CenterNet model (real photos). */
export const EMBEDDED_MODEL_TAGGER_PORT = 18790;
