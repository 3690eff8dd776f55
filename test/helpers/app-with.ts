import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../../src/app";

/**
 * The Worker under other settings than the test environment's (bot protection on, a public origin, lower
 * limits…): the same app and bindings, with `settings` laid over them. A setting may also replace a binding
 * (SITEVERIFY, to play a network that fails).
 */
export async function fetchWithSettings(request: Request, settings: Record<string, unknown>): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await createApp().fetch(request, { ...env, ...settings }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}
