// Numbers from environment variables, for the configuration of the local Node services (tagger/, image-engine/).
// Shared because both read their ports, limits and queue sizes the same way, and a bad value must be refused with
// the same one-line message naming the variable (the entry point turns it into exit code 2, service-process.js).

/**
 * An integer from `env[name]`, `fallback` when unset or empty; throws when it is not an integer in [min, max].
 * @param {NodeJS.ProcessEnv} env @param {string} name @param {number} fallback @param {number} min @param {number} max
 */
export function readInteger(env, name, fallback, min, max) {
  return readBounded(env, name, fallback, min, max, "an integer", Number.isInteger);
}

/**
 * A finite number from `env[name]`, `fallback` when unset or empty; throws when it is not one in [min, max].
 * @param {NodeJS.ProcessEnv} env @param {string} name @param {number} fallback @param {number} min @param {number} max
 */
export function readNumber(env, name, fallback, min, max) {
  return readBounded(env, name, fallback, min, max, "a number", Number.isFinite);
}

/**
 * @param {NodeJS.ProcessEnv} env @param {string} name @param {number} fallback @param {number} min @param {number} max
 * @param {string} kind  for the message: "an integer", "a number"
 * @param {(value: number) => boolean} isKind
 */
function readBounded(env, name, fallback, min, max, kind, isKind) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!isKind(value) || value < min || value > max) {
    throw new Error(`${name} must be ${kind} between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}
