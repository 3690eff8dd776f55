import { ApiError } from "../../lib/problem";
import { findImage, type ImageRecord } from "../store/image-rows";

/** The owner's image, or 404: someone else's image is indistinguishable from a missing one. */
export async function requireImage(db: D1Database, userId: string, id: string): Promise<ImageRecord> {
  const image = await findImage(db, userId, id);
  if (!image) throw imageNotFound();
  return image;
}

export function imageNotFound(): ApiError {
  return new ApiError("not_found", "No image with this id.");
}
