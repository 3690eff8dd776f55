import { COMMON_PASSWORDS } from "./common-passwords";

export const PASSWORD_MIN_CHARACTERS = 8;
/** Generous, so passphrases fit; bounded, so a request cannot make us hash megabytes. Never truncated. */
export const PASSWORD_MAX_CHARACTERS = 1024;

/**
 * NIST SP 800-63B style: a length floor, any Unicode, no composition rules, and the most common passwords
 * refused. Returns why a password is refused, or null when it is acceptable.
 */
export function passwordProblem(password: string): string | null {
  // Bounded before any normalisation work (NFC can grow a string): at most 2 UTF-16 units per character.
  if (password.length > PASSWORD_MAX_CHARACTERS * 2) return `Use at most ${PASSWORD_MAX_CHARACTERS} characters.`;
  const characters = [...password.normalize("NFC")].length;
  if (characters < PASSWORD_MIN_CHARACTERS) return `Use at least ${PASSWORD_MIN_CHARACTERS} characters.`;
  if (characters > PASSWORD_MAX_CHARACTERS) return `Use at most ${PASSWORD_MAX_CHARACTERS} characters.`;
  if (COMMON_PASSWORDS.has(password.toLowerCase()))
    return "This password is among the most commonly used ones; choose another.";
  return null;
}
