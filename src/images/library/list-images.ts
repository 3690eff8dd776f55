import { seqBefore, seqPage } from "../../lib/seq-cursor";
import { type ImageRecord, listImageRecords } from "../store/image-rows";

export interface ImagePage {
  images: ImageRecord[];
  nextCursor: string | null;
}

/** The owner's images, newest first, `limit` at a time; `cursor` continues where the previous page ended. */
export async function listImages(
  db: D1Database,
  input: { userId: string; limit: number; cursor?: string | undefined },
): Promise<ImagePage> {
  const rows = await listImageRecords(db, input.userId, input.limit + 1, seqBefore(input.cursor));
  const { page, nextCursor } = seqPage(rows, input.limit);
  return { images: page, nextCursor };
}
