/** Loopback ports of what test/setup/image-engine.ts starts: clear of npm start's (8787–8790) and the tagger suite's (18788–18790). */
export const IMAGE_ENGINE_PORT = 18795;
export const PIXEL_ORACLE_PORT = 18796;
