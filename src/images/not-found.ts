// How the API answers an image id that is not the caller's image: missing and someone else's alike, so an id never
// tells whether it exists for another user.
import { ApiError } from "../lib/problem";

export function imageNotFound(): ApiError {
  return new ApiError("not_found", "No image with this id.");
}

/** The same, for the image named as `watermark` (not, or no longer, one of the owner's images). */
export function watermarkNotFound(): ApiError {
  return new ApiError("not_found", "No image with the id given as `watermark`.");
}
