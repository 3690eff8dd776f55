import { base64url, fromBase64url, utf8 } from "./encoding";
import { invalidField } from "./problem";

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

// Keyset pagination of newest-first listings on a growing `seq`: the opaque cursor is the `seq` of the last item
// of the previous page. One codec for every such listing (images, processing sessions).

/** The `seq` to continue before; null for the first page. A cursor this server did not make is a 400. */
export function seqBefore(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  const value = decodeJsonCursor(cursor) as { v?: unknown; before?: unknown } | null | undefined;
  if (value?.v === 1 && Number.isSafeInteger(value.before) && (value.before as number) > 0)
    return value.before as number;
  throw invalidField("query.cursor", "The cursor is not valid; start again without one.");
}

/** A page from `limit + 1` rows: the first `limit`, and a cursor when there were more. */
export function seqPage<T extends { seq: number }>(rows: T[], limit: number): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last ? encodeJsonCursor({ v: 1, before: last.seq }) : null };
}
