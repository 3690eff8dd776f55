import type { ImageRecord } from "../store/image-rows";
import { requireImage } from "./require-image";

export function getImage(db: D1Database, input: { userId: string; id: string }): Promise<ImageRecord> {
  return requireImage(db, input.userId, input.id);
}
