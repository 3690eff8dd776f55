import type { Context } from "hono";
import type * as z from "zod";
import { signedFileUrl } from "../images/images.router";
import { renditionEditVersion } from "../images/rendition-spec";
import type { AppEnv } from "../routes/context";
import type { FileGone } from "./gone-files";
import type { SessionSchema } from "./processing.routes";
import type { SessionState } from "./session-types";

const encoder = new TextEncoder();

/**
 * A session as the API shows it; each finished item links to its converted file (a signed rendition URL) and says
 * whether, and why, that file is gone (`gone`, from ProcessingService.goneFiles).
 */
export async function presentSession<E extends AppEnv>(
  c: Context<E>,
  state: SessionState,
  gone: Map<string, FileGone>,
): Promise<z.infer<typeof SessionSchema>> {
  const items = await Promise.all(
    state.items.map(async (item) => ({
      imageId: item.imageId,
      status: item.status,
      error: item.error,
      rendition: item.rendition
        ? {
            // Under the edit version it was made from, so its link changes when the image is edited and converted again.
            url: (
              await signedFileUrl(
                c,
                { id: item.imageId, userId: state.userId, editVersion: renditionEditVersion(item.rendition.name) },
                state.output,
              )
            ).url,
            bytes: item.rendition.bytes,
            width: item.rendition.width,
            height: item.rendition.height,
            contentType: item.rendition.contentType,
            gone: gone.get(item.imageId) ?? null,
          }
        : null,
    })),
  );
  return {
    id: state.id,
    status: state.status,
    output: state.output,
    items,
    progress: state.progress,
    createdAt: new Date(state.createdAt).toISOString(),
    updatedAt: new Date(state.updatedAt).toISOString(),
    version: state.version,
  };
}

/** A comment line this often keeps proxies from closing a quiet stream, and finds out when the client has left. */
export const HEARTBEAT_MS = 30_000;

/**
 * The session object's states as a Server-Sent Events stream in the API's own shape: each `session` event carries
 * what `present` makes of the state, exactly what GET /v1/processing-sessions/{id} would answer at that moment
 * (signed links included). The stream ends when the object closes the connection (session finished or deleted); a
 * client leaving closes it.
 */
export function presentEvents(
  watcher: WebSocket,
  present: (state: SessionState) => Promise<z.infer<typeof SessionSchema>>,
  heartbeatMs = HEARTBEAT_MS,
): Response {
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const leave = () => {
    clearInterval(heartbeat);
    try {
      watcher.close(1000, "client left");
    } catch {
      // Closed already.
    }
  };
  let queue = Promise.resolve();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // In order (presenting a state signs URLs, asynchronously); a step that fails means the client is gone.
      const then = (step: () => Promise<void> | void) => {
        queue = queue.then(step).catch(leave);
      };
      watcher.addEventListener("message", (event) =>
        then(async () => {
          const session = await present(JSON.parse(String(event.data)) as SessionState);
          controller.enqueue(encoder.encode(`event: session\ndata: ${JSON.stringify(session)}\n\n`));
        }),
      );
      const end = () =>
        then(() => {
          clearInterval(heartbeat);
          controller.close();
        });
      watcher.addEventListener("close", end);
      watcher.addEventListener("error", end);
      heartbeat = setInterval(() => then(() => controller.enqueue(encoder.encode(": keep-alive\n\n"))), heartbeatMs);
    },
    cancel: leave,
  });
  return new Response(body, {
    headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no" },
  });
}
