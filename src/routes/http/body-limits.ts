import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { tooLarge } from "../../images/upload/upload-limits";
import { ApiError } from "../../lib/problem";
import type { AppEnv } from "./app-env";

/** Every JSON body this API accepts is small; this is far above the largest legitimate one. */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;

/** Room for the multipart envelope around an uploaded file (boundaries, part headers, the filename). */
const MULTIPART_OVERHEAD_BYTES = 16 * 1024;

/**
 * Refuse oversized bodies while they stream in, before anything is buffered or parsed: workerd enforces no body
 * limit locally, production's is 100 MB, and an isolate has 128 MB, so the project enforces its own.
 */
function limit(maxSize: number, error: () => ApiError) {
  return createMiddleware<AppEnv>((c, next) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw error();
      },
    })(c, next),
  );
}

/** Uploads: the configured image size plus the multipart envelope. */
export const limitUploadSize = createMiddleware<AppEnv>((c, next) => {
  const maxBytes = c.var.config.MAX_UPLOAD_BYTES;
  return limit(maxBytes + MULTIPART_OVERHEAD_BYTES, () => tooLarge(maxBytes))(c, next);
});

/** Routes with a JSON body: the limit runs before authentication and validation read anything. */
export const limitJsonBody = limit(
  JSON_BODY_LIMIT_BYTES,
  () => new ApiError("payload_too_large", `Request bodies may be at most ${JSON_BODY_LIMIT_BYTES} bytes.`),
);
