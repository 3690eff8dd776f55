import { decodeJsonCursor, encodeJsonCursor } from "../../lib/json-cursor";

/** Opaque cursor for the newest-first listing: the `seq` of the last image on the page. */
export function encodeListCursor(seq: number): string {
  return encodeJsonCursor({ v: 1, before: seq });
}

/** The `seq` to continue before, or undefined for a cursor this server did not make. */
export function decodeListCursor(cursor: string): number | undefined {
  const value = decodeJsonCursor(cursor) as { v?: unknown; before?: unknown } | null | undefined;
  return value?.v === 1 && Number.isSafeInteger(value.before) && (value.before as number) > 0
    ? (value.before as number)
    : undefined;
}
