/** The kinds of failure the API reports: each has a status, a title and a page at `/problems/{slug}`. */
export const PROBLEM_KINDS = {
  validation_failed: {
    status: 400,
    title: "Validation failed",
    description: "The request does not match the operation's schema. `errors[]` lists each invalid field by path.",
  },
  bad_request: {
    status: 400,
    title: "Bad request",
    description: "The request is malformed (for example, unreadable JSON).",
  },
  unauthorized: {
    status: 401,
    title: "Unauthorized",
    description: "Credentials are missing, invalid, expired or revoked. Sign in again, or refresh the access token.",
  },
  forbidden: {
    status: 403,
    title: "Forbidden",
    description: "The credentials are valid but do not grant this: for example, a signed link that was altered.",
  },
  not_found: {
    status: 404,
    title: "Not found",
    description: "There is no such resource, or it belongs to another user (the two cases are indistinguishable).",
  },
  challenge_missing: {
    status: 400,
    title: "Bot check missing",
    description:
      "This operation needs a Cloudflare Turnstile token in `turnstileToken`; GET /v1/auth/config gives the site key.",
  },
  challenge_failed: {
    status: 403,
    title: "Bot check failed",
    description:
      "The Turnstile token is invalid, expired or already used (each token works once, for 300 seconds). " +
      "Run the challenge again and retry with the new token.",
  },
  conflict: { status: 409, title: "Conflict", description: "The request conflicts with the current state." },
  precondition_failed: {
    status: 412,
    title: "Precondition failed",
    description: "The resource changed since you read it (its `If-Match` version is stale). Read it again, then retry.",
  },
  precondition_required: {
    status: 428,
    title: "Precondition required",
    description:
      "This change needs `If-Match` with the version you read, so that two devices cannot overwrite each other.",
  },
  gone: {
    status: 410,
    title: "Gone",
    description: "This deprecated API has been switched off; its successor is the /v1 API (see the reference).",
  },
  payload_too_large: {
    status: 413,
    title: "Payload too large",
    description: "The request body is larger than this operation accepts; `detail` gives the limit.",
  },
  unsupported_media_type: {
    status: 415,
    title: "Unsupported media type",
    description: "The upload is not a supported image type (JPEG, PNG, WebP or GIF), judged by its bytes.",
  },
  range_not_satisfiable: {
    status: 416,
    title: "Range not satisfiable",
    description: "The `Range` asked for lies outside the file; `Content-Range` gives its size.",
  },
  unprocessable: {
    status: 422,
    title: "Unprocessable content",
    description: "The request is well-formed but cannot be processed: for example, an image over the pixel limit.",
  },
  rate_limited: {
    status: 429,
    title: "Too many requests",
    description: "Too many attempts in a short time. Retry after the number of seconds in `Retry-After`.",
  },
  internal: {
    status: 500,
    title: "Internal server error",
    description: "An unexpected failure on our side; nothing was changed. Quote `requestId` when you report it.",
  },
  challenge_unavailable: {
    status: 503,
    title: "Bot check unavailable",
    description:
      "The Turnstile verification could not be completed (not configured, or Cloudflare did not answer in time). " +
      "Nothing was created; retry later.",
  },
  unavailable: {
    status: 503,
    title: "Service unavailable",
    description: "A dependency is unavailable or the service is misconfigured; `/health` says which.",
  },
} as const satisfies Record<string, { status: number; title: string; description: string }>;

export type ProblemKind = keyof typeof PROBLEM_KINDS;
export type ProblemStatus = (typeof PROBLEM_KINDS)[ProblemKind]["status"];

export interface ProblemFieldError {
  path: string;
  message: string;
}

/** The URL path segment of a kind: `validation_failed` → `validation-failed`. */
export function problemSlug(kind: ProblemKind): string {
  return kind.replaceAll("_", "-");
}

export function problemKindOfSlug(slug: string): ProblemKind | undefined {
  const kind = slug.replaceAll("-", "_");
  return Object.hasOwn(PROBLEM_KINDS, kind) ? (kind as ProblemKind) : undefined;
}

/**
 * Thrown by services and handlers alike; the HTTP layer renders it as an RFC 9457 problem with its kind's status.
 * `detail` is shown to clients: never put driver messages or secrets in it.
 */
export class ApiError extends Error {
  override name = "ApiError";
  readonly kind: ProblemKind;
  readonly errors: ProblemFieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    kind: ProblemKind,
    detail: string,
    options: { errors?: ProblemFieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.kind = kind;
    this.errors = options.errors;
    this.headers = options.headers;
  }

  get status(): ProblemStatus {
    return PROBLEM_KINDS[this.kind].status;
  }
}

/** A 400 naming one invalid field, the way the validation hook reports schema failures. */
export function invalidField(path: string, message: string): ApiError {
  return new ApiError("validation_failed", message, { errors: [{ path, message }] });
}

/** A 401 for an access token that does not verify, has expired, or whose session has ended (RFC 6750's error). */
export function invalidAccessToken(): ApiError {
  return new ApiError("unauthorized", "The access token is invalid, expired or revoked.", {
    headers: { "WWW-Authenticate": 'Bearer realm="imagifyai", error="invalid_token"' },
  });
}
