import { invalidField } from "../../lib/problem";
import { type ImageRecord, listImageRecords } from "../store/image-rows";
import { decodeListCursor, encodeListCursor } from "./list-cursor";

export interface ImagePage {
  images: ImageRecord[];
  nextCursor: string | null;
}

/** The owner's images, newest first, `limit` at a time; `cursor` continues where the previous page ended. */
export async function listImages(
  db: D1Database,
  input: { userId: string; limit: number; cursor?: string | undefined },
): Promise<ImagePage> {
  const before = input.cursor === undefined ? null : decodeListCursor(input.cursor);
  if (before === undefined) throw invalidField("query.cursor", "The cursor is not valid; start again without one.");
  const rows = await listImageRecords(db, input.userId, input.limit + 1, before);
  const images = rows.slice(0, input.limit);
  const last = images.at(-1);
  return { images, nextCursor: rows.length > input.limit && last ? encodeListCursor(last.seq) : null };
}
