import type { Context } from "hono";
import type { SessionState } from "../../processing/session-types";
import type { AppEnv } from "../http/app-env";
import { presentSession } from "./processing.presenters";

const encoder = new TextEncoder();

/**
 * The session object's event stream, re-told in the API's own shape: each `session` event carries exactly what
 * GET /v1/processing-sessions/{id} would answer at that moment (signed links included).
 */
export function presentEvents(c: Context<AppEnv>, upstream: Response): Response {
  let buffer = "";
  const body = upstream.body!.pipeThrough(new TextDecoderStream()).pipeThrough(
    new TransformStream<string, Uint8Array>({
      async transform(chunk, controller) {
        buffer += chunk;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!name || !data) continue;
          const session = await presentSession(c, JSON.parse(data) as SessionState);
          controller.enqueue(encoder.encode(`event: ${name}\ndata: ${JSON.stringify(session)}\n\n`));
        }
      },
    }),
  );
  return new Response(body, { headers: upstream.headers });
}
