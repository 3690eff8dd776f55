import { base64url, fromBase64url } from "../lib/encoding";

/** Opaque cursor for the newest-first listing: the `seq` of the last image on the page. */
export function encodeListCursor(seq: number): string {
  return base64url(new TextEncoder().encode(JSON.stringify({ v: 1, before: seq })));
}

/** The `seq` to continue before, or undefined for a cursor this server did not make. */
export function decodeListCursor(cursor: string): number | undefined {
  const bytes = fromBase64url(cursor);
  if (!bytes) return undefined;
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as { v?: unknown; before?: unknown };
    return value.v === 1 && Number.isSafeInteger(value.before) && (value.before as number) > 0 ? (value.before as number) : undefined;
  } catch {
    return undefined;
  }
}
