import { base64url, fromBase64url, utf8 } from "./encoding";

/** An opaque pagination cursor: base64url of a JSON value. Callers validate the decoded shape themselves. */
export function encodeJsonCursor(value: unknown): string {
  return base64url(utf8.encode(JSON.stringify(value)));
}

/** The JSON value inside a cursor, or undefined for anything this server could not have made. */
export function decodeJsonCursor(cursor: string): unknown {
  const bytes = fromBase64url(cursor);
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}
