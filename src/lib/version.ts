import packageJson from "../../package.json";

/** The API's version, as published in the OpenAPI document and /health. */
export const API_VERSION = packageJson.version;
