/** Loopback ports of the processes the main test suites start (test/setup/image-engine.ts); not npm start's. */
export const IMAGE_ENGINE_PORT = 18790;
export const PIXEL_ORACLE_PORT = 18791;
