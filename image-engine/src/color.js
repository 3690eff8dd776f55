// CSS colours as Cloudflare accepts them for `background` and `border.color` ("any CSS color using CSS4 modern
// syntax": #rgb, #rrggbb(aa), names, rgb()/rgba() with commas or spaces, hsl()). Parsed by @img/colour, the
// parser sharp itself uses, so what we accept is what sharp can paint.
import ColourModule from "@img/colour";

/** The `color` package API (CommonJS default export). @type {(value: string) => any} */
const Colour = /** @type {any} */ (ColourModule);

import { badOptions } from "./errors.js";

/**
 * @typedef {{ r: number, g: number, b: number, alpha: number }} Rgba  r/g/b 0–255, alpha 0–1 (sharp's form)
 */

/**
 * @param {unknown} value
 * @param {string} what  option name, for the error message
 * @returns {Rgba}
 */
export function parseColor(value, what) {
  if (typeof value !== "string" || value.trim() === "") throw badOptions(`${what} must be a CSS colour string`);
  let colour;
  try {
    colour = Colour(value.trim());
  } catch {
    throw badOptions(`${what}: "${value}" is not a CSS colour`);
  }
  const [r = 0, g = 0, b = 0] = colour.rgb().array();
  return { r: Math.round(r), g: Math.round(g), b: Math.round(b), alpha: colour.alpha() };
}

export const WHITE = Object.freeze({ r: 255, g: 255, b: 255, alpha: 1 });
export const BLACK = Object.freeze({ r: 0, g: 0, b: 0, alpha: 1 });
export const TRANSPARENT = Object.freeze({ r: 0, g: 0, b: 0, alpha: 0 });
