// A stand-in for Cloudflare Turnstile's siteverify, for where the real one cannot be reached: `npm start` (served by
// scripts/turnstile-standin.ts) and the tests (as miniflare's outbound service). It honours the documented
// behaviour of Cloudflare's dummy secret keys and nothing else: the product code cannot tell it from the real one.
//   1x0000000000000000000000000000000AA  always passes
//   2x0000000000000000000000000000000AA  always fails (invalid-input-response)
//   3x0000000000000000000000000000000AA  yields "token already spent" (timeout-or-duplicate)
// Any other secret is refused (invalid-input-secret): real keys only work against Cloudflare.

export const DUMMY_SECRETS = {
  pass: "1x0000000000000000000000000000000AA",
  fail: "2x0000000000000000000000000000000AA",
  spent: "3x0000000000000000000000000000000AA",
};

/** siteverify's answer for one request body (JSON or form fields, as Cloudflare accepts both). */
export function siteverify(fields, now = new Date()) {
  const failure = (...codes) => ({ success: false, "error-codes": codes, messages: [] });
  if (!fields.secret) return failure("missing-input-secret");
  if (!fields.response) return failure("missing-input-response");
  if (typeof fields.response !== "string" || fields.response.length > 2048) return failure("invalid-input-response");
  switch (fields.secret) {
    case DUMMY_SECRETS.pass:
      return {
        success: true,
        "error-codes": [],
        challenge_ts: now.toISOString(),
        hostname: "example.com",
        action: "",
        cdata: "",
        metadata: { interactive: false },
      };
    case DUMMY_SECRETS.fail:
      return failure("invalid-input-response");
    case DUMMY_SECRETS.spent:
      return failure("timeout-or-duplicate");
    default:
      return failure("invalid-input-secret");
  }
}

async function readFields(request) {
  const type = request.headers.get("content-type") ?? "";
  if (type.includes("application/json")) return request.json().catch(() => ({}));
  return Object.fromEntries(new URLSearchParams(await request.text()));
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== "/turnstile/v0/siteverify") {
      return new Response("siteverify stand-in: only POST /turnstile/v0/siteverify", { status: 404 });
    }
    return Response.json(siteverify(await readFields(request)));
  },
};
