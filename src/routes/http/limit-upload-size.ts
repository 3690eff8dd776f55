import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { tooLarge } from "../../images/upload/upload-limits";
import type { AppEnv } from "./app-env";

/** Room for the multipart envelope around the file (boundaries, part headers, the filename). */
const MULTIPART_OVERHEAD_BYTES = 16 * 1024;

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
