import { base64url } from "./encoding";

/** A public identifier: a type prefix and 128 random bits, e.g. `img_Qb3x…`. */
export function newId(prefix: "usr" | "ses" | "img" | "prs"): string {
  return `${prefix}_${base64url(crypto.getRandomValues(new Uint8Array(16)))}`;
}
