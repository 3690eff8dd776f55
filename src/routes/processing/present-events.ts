import type { Context } from "hono";
import type { SessionState } from "../../processing/session-types";
import type { AppEnv } from "../http/app-env";
import { presentSession } from "./processing.presenters";

const encoder = new TextEncoder();

/** A comment line this often keeps proxies from closing a quiet stream, and finds out when the client has left. */
export const HEARTBEAT_MS = 30_000;

/**
 * The session object's states as a Server-Sent Events stream in the API's own shape: each `session` event carries
 * exactly what GET /v1/processing-sessions/{id} would answer at that moment (signed links included). The stream
 * ends when the object closes the connection (session finished or deleted); a client leaving closes it.
 */
export function presentEvents(c: Context<AppEnv>, watcher: WebSocket, heartbeatMs = HEARTBEAT_MS): Response {
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
          const session = await presentSession(c, JSON.parse(String(event.data)) as SessionState);
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
