import * as z from "zod";
import type { Config } from "../lib/config";
import { ApiError } from "../lib/problem";
import type { Network } from "../platform";

/** The longest token siteverify accepts (Cloudflare's documented limit). */
export const TURNSTILE_TOKEN_MAX_CHARS = 2048;

export type TurnstileAction = "register" | "login";

/** siteverify's answer (Cloudflare's documented fields; unknown ones ignored). */
const SiteverifySchema = z.object({
  success: z.boolean(),
  "error-codes": z.array(z.string()).default([]),
  challenge_ts: z.string().optional(),
  hostname: z.string().optional(),
  action: z.string().optional(),
  cdata: z.string().optional(),
});

/** Error codes that mean our configuration is wrong, not the visitor's token. */
const OUR_FAULT = new Set(["missing-input-secret", "invalid-input-secret", "internal-error"]);

/**
 * Fails closed: returns only when Cloudflare's siteverify accepted `token` for this action (and one of the
 * expected hostnames, when configured). Missing token → 400, rejected token → 403, siteverify unconfigured,
 * unreachable or too slow → 503; in every case the caller has created nothing yet.
 */
export async function verifyTurnstile(
  config: Config,
  input: { token: string | undefined; action: TurnstileAction; ip: string },
  network: Network = globalThis,
): Promise<void> {
  if (config.TURNSTILE === "off") return;
  if (!config.TURNSTILE_SECRET_KEY) {
    throw new ApiError("challenge_unavailable", "Bot protection is not configured on this server; see /health.");
  }
  if (!input.token) {
    throw new ApiError("challenge_missing", "Complete the bot check and send its token as `turnstileToken`.");
  }
  if (input.token.length > TURNSTILE_TOKEN_MAX_CHARS) throw rejected();

  const answer = await siteverify(config, network, {
    secret: config.TURNSTILE_SECRET_KEY,
    response: input.token,
    ...(input.ip === "unknown" ? {} : { remoteip: input.ip }),
    // The same key on a retry makes Cloudflare answer the first verification again instead of "duplicate".
    idempotency_key: crypto.randomUUID(),
  });
  if (!answer.success) {
    const codes = answer["error-codes"];
    if (codes.some((code) => OUR_FAULT.has(code))) {
      console.error("turnstile: siteverify refused our request", { codes });
      throw unavailable();
    }
    throw rejected(codes.includes("timeout-or-duplicate") ? "expired or already used" : undefined);
  }
  const hostname = answer.hostname?.toLowerCase();
  if (config.TURNSTILE_HOSTNAMES.length > 0 && (!hostname || !config.TURNSTILE_HOSTNAMES.includes(hostname))) {
    throw rejected("issued for another site");
  }
  if (answer.action && answer.action !== input.action) throw rejected(`issued for "${answer.action}"`);
}

async function siteverify(
  config: Config,
  network: Network,
  body: Record<string, string>,
): Promise<z.infer<typeof SiteverifySchema>> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await network.fetch(config.TURNSTILE_VERIFY_URL, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(config.TURNSTILE_TIMEOUT_MS),
      });
      if (response.status >= 500 && attempt < 2) continue;
      const parsed = SiteverifySchema.safeParse(await response.json());
      if (parsed.success) return parsed.data;
      console.error("turnstile: unexpected siteverify answer", { status: response.status });
      throw unavailable();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      // A network failure is retried once, with the same idempotency key; a timeout is not (the budget is spent).
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      if (!timedOut && attempt < 2) continue;
      console.error("turnstile: siteverify unreachable", { error: error instanceof Error ? error.message : error });
      throw unavailable();
    }
  }
}

function rejected(reason?: string): ApiError {
  return new ApiError(
    "challenge_failed",
    `The bot check did not pass${reason ? ` (token ${reason})` : ""}; run it again and retry with the new token.`,
  );
}

function unavailable(): ApiError {
  return new ApiError("challenge_unavailable", "The bot check could not be verified right now; nothing was created.");
}
