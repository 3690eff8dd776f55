import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../lib/env";
import { ApiError } from "../lib/problem";

/** Room for the multipart envelope around the file (boundaries, part headers, the filename). */
const MULTIPART_OVERHEAD_BYTES = 16 * 1024;

export function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `Images may be at most ${maxBytes} bytes.`);
}

/**
 * Refuses oversized uploads while they stream in, before anything is buffered or parsed; workerd enforces no
 * body limit locally and production's is 100 MB, so the project enforces its own.
 */
export const limitUploadSize = createMiddleware<AppEnv>((c, next) => {
  const maxBytes = c.var.config.MAX_UPLOAD_BYTES;
  return bodyLimit({
    maxSize: maxBytes + MULTIPART_OVERHEAD_BYTES,
    onError: () => {
      throw tooLarge(maxBytes);
    },
  })(c, next);
});
