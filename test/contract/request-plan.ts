// A generated request for one operation: parameters, credentials, headers and body, derived from the operation in
// the OpenAPI document (schemas → arbitraries) and mixed with state references (real ids, tokens, signed urls).
import fc from "fast-check";
import { type FixtureName, fixtureBytes, fixtureNames } from "../fixtures";
import { pngWithClaimedSize } from "../fixtures/png-bomb";
import {
  BASE_URL,
  type FuzzState,
  PASSWORD,
  Ref,
  type RefScope,
  type Session,
  type SignatureKind,
  THROWAWAY_SESSION_OPERATIONS,
  TURNSTILE_DUMMY_TOKEN,
} from "./fuzz-state";
import {
  type ArbitraryContext,
  FilePart,
  fuzzValue,
  HOSTILE_STRINGS,
  invalidValue,
  validValue,
} from "./openapi-arbitraries";
import { acceptedSchemes, type JsonSchema, type Operation } from "./spec";

export type AuthKind =
  | "none"
  | "valid"
  | "valid-lowercase-scheme"
  | "pool"
  | "other-user"
  | "revoked"
  | "expired"
  | "bad-signature"
  | "alg-none"
  | "wrong-audience"
  | "wrong-typ"
  | "session-of-other-user"
  | "malformed";

/** Kinds that carry a credential the server must accept. */
const VALID_AUTH: ReadonlySet<AuthKind> = new Set(["valid", "valid-lowercase-scheme", "pool", "other-user"]);

type BodyPlan =
  | { kind: "none"; contentType: string | null }
  | { kind: "schema"; mediaType: string; contentType: "declared" | string | null; value: unknown }
  | { kind: "raw"; contentType: string | null; body: string | Uint8Array };

export interface RequestPlan {
  path: Record<string, unknown>;
  query: [string, unknown][];
  /** Header parameters the operation declares (e.g. `If-Match`), by name. */
  headerParams: [string, unknown][];
  auth: { kind: AuthKind; junk: string };
  signature: SignatureKind;
  headers: { range?: string; ifNoneMatch?: string; accept?: string; origin?: string };
  body: BodyPlan;
  ip: { kind: "fresh" | "hot" | "hostile"; value: string };
}

export interface BuiltRequest {
  request: Request;
  /** What was sent, for failure reports. */
  describe: string;
  /** The credential presented was one the server must accept (a live token, or the image's own signed url). */
  validCredential: boolean;
  /** The user whose bearer token was sent, when it is a live session. */
  caller: Session | undefined;
  authKind: AuthKind;
  /** The path's `id`, resolved, when the path has one. */
  pathId: string | undefined;
  jsonBody: unknown;
}

const TOKENISH_JUNK = [
  "",
  "Bearer",
  "Bearer ",
  "Bearer  ",
  "Basic dXNlcjpwYXNzd29yZA==",
  "Bearer null",
  "Bearer undefined",
  "Bearer eyJhbGciOiJIUzI1NiJ9.e30.",
  "Bearer a.b.c",
  "Bearer ...",
  "Bearer " + "A".repeat(8192),
  "Token abc",
  "Bearer\tabc",
  "Bearer abc def",
];

/** Header values must be ByteStrings without CR, LF or NUL; anything else is replaced. */
export function headerSafe(value: string): string {
  return value.replace(/[\r\n\u0000]/g, " ").replace(/[^\u0000-\u00ff]/g, "?");
}

/** URL components must be well-formed UTF-16 (encodeURIComponent throws on a lone surrogate). */
function wellFormed(value: string): string {
  return value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

// ---------------------------------------------------------------------------------------------------------------
// State-aware hints and file parts

const IMAGE_FIXTURES = fixtureNames as FixtureName[];

function filePart(): fc.Arbitrary<FilePart> {
  const name = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...IMAGE_FIXTURES) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40, unit: "binary" }) },
  );
  const type = fc.constantFrom(
    "image/png",
    "image/jpeg",
    "application/octet-stream",
    "text/html",
    "",
    "image/svg+xml",
    "image/gif",
  );
  const fixture = fc.constantFrom(...IMAGE_FIXTURES);
  const bytes = fc.oneof(
    // A fixture made unique (a new image: 201), or exactly (A may already have it: 200).
    {
      weight: 4,
      arbitrary: fc
        .tuple(fixture, fc.uint8Array({ minLength: 8, maxLength: 8 }))
        .map(([f, tail]) => ({ label: `${f}+8 random bytes`, bytes: concat(fixtureBytes(f), tail) })),
    },
    { weight: 1, arbitrary: fixture.map((f) => ({ label: f, bytes: fixtureBytes(f) })) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 600 }).map((b) => ({ label: "garbage", bytes: b })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fixture, fc.nat(400))
        .map(([f, n]) => ({ label: `${f} truncated to ${n}`, bytes: fixtureBytes(f).slice(0, n) })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fixture, fc.nat(32), fc.uint8Array({ maxLength: 64 })).map(([f, n, tail]) => ({
        label: `${f} header (${n}) + garbage`,
        bytes: concat(fixtureBytes(f).slice(0, n), tail),
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<[number, number]>(
          [100_000, 100_000],
          [0, 0],
          [1, 0],
          [2 ** 31 - 1, 1],
          [0xffffffff, 0xffffffff],
          [8000, 6251],
        )
        .map(([w, h]) => ({ label: `PNG claiming ${w}x${h}`, bytes: pngWithClaimedSize(w, h) })),
    },
  );
  return fc.tuple(bytes, name, type).map(([b, n, t]) => new FilePart(b.bytes, n, t, b.label));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const pickAt = <T>(list: T[], i: number): T | undefined => (list.length === 0 ? undefined : list[i % list.length]);

function imageRef(kind: "own" | "other" | "deleted", i: number): Ref {
  return new Ref(`${kind} image #${i}`, (s) => {
    const list =
      kind === "own" ? s.aliveImages(s.a.userId) : kind === "other" ? s.aliveImages(s.b.userId) : s.deletedImages();
    return pickAt(list, i)?.id ?? "img_missing";
  });
}

/** What state a processing operation's own session should be in to get past the state machine. */
type SessionWant = Parameters<FuzzState["ownProcessingSession"]>[0];
const SESSION_WANT: Record<string, SessionWant> = {
  startProcessingSession: "draft",
  updateProcessingSession: "draft",
  pauseProcessingSession: "running",
  resumeProcessingSession: "paused",
  cancelProcessingSession: "unfinished",
  getProcessingSessionArchive: "converted",
};

function sessionRef(kind: "own" | "other" | "deleted", i: number, want: SessionWant = "any"): Ref {
  if (kind === "own") {
    const label = want === "any" ? `own session #${i}` : `own ${want} session #${i}`;
    return new Ref(label, (s) => s.ownProcessingSession(want, i));
  }
  return new Ref(`${kind} session #${i}`, (s) => {
    const list = kind === "other" ? s.processingOf(s.b.userId) : s.deletedProcessing();
    return pickAt(list, i)?.id ?? "prs_missing";
  });
}

/** `If-Match` for the session in the path: its version as last read (mostly), stale, or not a version at all. */
function ifMatchRef(form: "current" | "weak" | "bare" | "stale" | "ahead", i: number): Ref {
  return new Ref(`If-Match ${form}`, (s, scope: RefScope) => {
    const version = (scope.pathId === undefined ? undefined : s.processing.get(scope.pathId)?.version) ?? 1;
    switch (form) {
      case "current":
        return `"${version}"`;
      case "weak":
        return `W/"${version}"`;
      case "bare":
        return String(version);
      case "stale":
        return `"${Math.max(0, version - 1 - (i % 3))}"`;
      case "ahead":
        return `"${version + 1 + (i % 3)}"`;
    }
  });
}

const IF_MATCH_JUNK = ["*", '""', '"abc"', '"1", "2"', '"9999999999"', "W/", '"-1"', "1.0", '"01"'];

/**
 * Small outputs (the sessions started by the fuzz convert in the background while it runs), with processing options
 * that keep the rules between them (gravity only with a crop): sessions that convert with them. A watermark is mostly
 * one of A's images.
 */
const SMALL_OUTPUT = fc
  .tuple(
    fc.record(
      {
        format: fc.constantFrom("webp", "avif", "jpeg", "png"),
        quality: fc.integer({ min: 1, max: 100 }),
        width: fc.integer({ min: 1, max: 320 }),
        height: fc.integer({ min: 1, max: 320 }),
        fit: fc.constantFrom("scale-down", "contain", "cover", "crop", "pad"),
        rotate: fc.constantFrom(90, 180, 270),
        flip: fc.constantFrom("h", "v", "hv"),
        trim: fc.record({ top: fc.nat(1), left: fc.nat(1) }),
        saturation: fc.constantFrom(0, 0.5, 2),
        brightness: fc.constantFrom(0.8, 1, 1.2),
        blur: fc.integer({ min: 1, max: 4 }),
        sharpen: fc.constantFrom(0, 1, 3),
        background: fc.constantFrom("#ffffff", "#0008", "transparent"),
        border: fc.record({ color: fc.constantFrom("#000", "white"), width: fc.integer({ min: 1, max: 3 }) }),
        metadata: fc.constantFrom("none", "copyright"),
        watermark: fc.record(
          {
            imageId: fc.oneof(
              { weight: 4, arbitrary: fc.nat(50).map((i) => imageRef("own", i)) },
              { weight: 1, arbitrary: fc.nat(50).map((i) => imageRef("other", i)) },
            ),
            opacity: fc.constantFrom(0.3, 1),
            gravity: fc.constantFrom("center", "bottom-right", "top-left"),
            width: fc.constantFrom(0.1, 0.5),
          },
          { requiredKeys: ["imageId"] },
        ),
      },
      { requiredKeys: ["format"] },
    ),
    fc.constantFrom("auto", "left", { x: 0.3, y: 0.7 }),
  )
  .map(([output, gravity]) => {
    const crops = (output.fit === "cover" || output.fit === "crop") && output.width && output.height;
    return crops ? { ...output, gravity } : output;
  });

/** Small values for the file route's trim: the fuzz's images are small (a trim that leaves nothing is a 400). */
const SMALL_TRIM = fc.nat(1);

const LABELS = [
  "tabby",
  "tiger cat",
  "golden retriever",
  "birthday party",
  "  Golden   RETRIEVER ",
  "TABBY",
  "x".repeat(64),
  "é".repeat(64),
  "🐈".repeat(40),
  "a\u0000b",
  '"quoted"',
  "near(",
];

const SEARCH_WORDS = [
  "tabby",
  "tab",
  "cat",
  "tiger cat",
  "golden ret",
  "egyptian",
  "TABBY",
  "tab*",
  "sports car",
  "zzz",
  "a",
  "retriever ball",
];

const FORGED_CURSORS = [
  "",
  "!!!",
  "AAAA",
  "bnVsbA", // null
  "W10", // []
  "e30", // {}
  ...[
    { v: 1, before: -1 },
    { v: 1, before: 0 },
    { v: 1, before: 1e300 },
    { v: 1, before: 2 ** 53 },
    { v: 1, before: "5" },
    { v: 2, before: 5 },
    { v: 1, f: "x", h: 0, l: -1, r: null, s: null },
    { v: 1, f: "", h: 1e20, l: -1, r: null, s: null },
    { v: 1, f: "all:tabby", h: 5, l: 1, r: 3, s: 1e308 },
    { v: 1, f: "all:tabby", h: 5, l: 9, r: 3, s: 0 },
  ].map((value) => btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")),
];

/** Candidates for properties and parameters by name, from the fuzzer's state (for `op`'s requests). */
export function stateHints(op?: Operation): ArbitraryContext {
  const sessionPath = op?.path.startsWith("/v1/processing-sessions/{id}") ?? false;
  const want = (op && SESSION_WANT[op.id]) ?? "any";
  return {
    binary: filePart,
    hint(name: string, schema: JsonSchema) {
      switch (name) {
        case "id":
          if (sessionPath) {
            // Sessions the fuzz made (A's, in the state this operation acts on, or in any state), B's, deleted
            // ones, and well-formed ids that name nothing.
            return fc.oneof(
              { weight: 6, arbitrary: fc.nat(50).map((i) => sessionRef("own", i, want)) },
              { weight: 2, arbitrary: fc.nat(50).map((i) => sessionRef("own", i)) },
              { weight: 2, arbitrary: fc.nat(50).map((i) => sessionRef("other", i)) },
              { weight: 1, arbitrary: fc.nat(50).map((i) => sessionRef("deleted", i)) },
              { weight: 1, arbitrary: fc.string({ minLength: 22, maxLength: 22 }).map((x) => `prs_${x}`) },
            );
          }
          return fc.oneof(
            { weight: 5, arbitrary: fc.nat(50).map((i) => imageRef("own", i)) },
            { weight: 2, arbitrary: fc.nat(50).map((i) => imageRef("other", i)) },
            { weight: 1, arbitrary: fc.nat(50).map((i) => imageRef("deleted", i)) },
            { weight: 1, arbitrary: fc.string({ minLength: 22, maxLength: 22 }).map((x) => `img_${x}`) },
          );
        case "email":
          return fc.oneof(
            fc
              .nat(50)
              .map((i) => new Ref(`registered email #${i}`, (s) => pickAt(s.credentials, i)?.email ?? s.a.email)),
            fc
              .nat(50)
              .map(
                (i) =>
                  new Ref(
                    `registered email #${i}, upper-cased and padded`,
                    (s) => ` ${(pickAt(s.credentials, i)?.email ?? s.a.email).toUpperCase()} `,
                  ),
              ),
            fc.uuid().map((id) => `fuzz-${id}@example.com`),
          );
        case "password":
          return fc.oneof(
            { weight: 6, arbitrary: fc.constant(PASSWORD) },
            {
              weight: 2,
              arbitrary: fc.constantFrom(
                "Ünïcödé passphrase ✓",
                "a much longer passphrase ".repeat(40),
                "tr0ub4dor&3-x",
              ),
            },
            {
              weight: 2,
              arbitrary: fc.constantFrom(
                "password",
                "12345678",
                "short",
                " ".repeat(8),
                "x".repeat(1024),
                "x".repeat(1025),
              ),
            },
          );
        case "refreshToken":
          return fc.oneof(
            {
              weight: 3,
              arbitrary: fc.constant(
                new Ref("live refresh token", async (s) => (await s.takePoolSession()).refreshToken),
              ),
            },
            {
              weight: 1,
              arbitrary: fc
                .nat(50)
                .map(
                  (i) =>
                    new Ref(
                      `used refresh token #${i}`,
                      (s) => pickAt([...s.usedRefreshTokens.keys()], i) ?? "used-token-missing",
                    ),
                ),
            },
          );
        case "cursor":
          return fc.oneof(
            fc.nat(64).map((i) => new Ref(`issued cursor #${i}`, (s) => pickAt(s.cursors, i) ?? "")),
            fc.constantFrom(...FORGED_CURSORS),
          );
        case "q":
          return fc.oneof(
            fc.constantFrom(...SEARCH_WORDS),
            fc.constantFrom(...HOSTILE_STRINGS.filter((h) => h.length > 0)),
          );
        case "prefix":
          return fc.constantFrom("t", "ta", "tab", "tiger c", "%", "_", "golden", "T", "é");
        case "add":
        case "remove":
          return fc.array(fc.constantFrom(...LABELS), { maxLength: 5 });
        case "turnstileToken":
          return fc.constantFrom(TURNSTILE_DUMMY_TOKEN, "XXXX.DUMMY.TOKEN.XXXY");
        case "slug":
          return fc
            .nat(50)
            .map((i) => new Ref(`problem type slug #${i}`, (s) => pickAt([...s.problemSlugs], i) ?? "not-found"));
        case "uid":
          return fc.constantFrom(new Ref("A's user id", (s) => s.a.userId), new Ref("B's user id", (s) => s.b.userId));
        case "imageIds": {
          // Mostly A's live images only (a session A can make), sometimes with one that is not A's to convert.
          const own = fc.nat(50).map((i) => imageRef("own", i));
          const foreign = fc.oneof(
            fc.nat(50).map((i) => imageRef("other", i)),
            fc.nat(50).map((i) => imageRef("deleted", i)),
            fc.string({ minLength: 22, maxLength: 22 }).map((x) => `img_${x}`),
          );
          return fc.oneof(
            { weight: 6, arbitrary: fc.array(own, { minLength: 1, maxLength: 4 }) },
            {
              weight: 2,
              arbitrary: fc.tuple(fc.array(own, { maxLength: 3 }), foreign, fc.nat(3)).map(([ids, bad, at]) => {
                const out: unknown[] = [...ids];
                out.splice(at % (out.length + 1), 0, bad);
                return out;
              }),
            },
          );
        }
        case "body:createProcessingSession":
          // `imageIds` and exactly one of `output` and `preset` (a rule between fields the spec states in words):
          // bodies that keep it, so sessions get made; the generic ones (a fifth) try both, neither and the rest.
          return fc
            .tuple(this.hint?.("imageIds", schema) ?? fc.constant([]), fc.boolean())
            .chain(
              ([imageIds, byPreset]): fc.Arbitrary<unknown> =>
                byPreset
                  ? fc.constantFrom("web", "thumbnail", "social-square").map((preset) => ({ imageIds, preset }))
                  : SMALL_OUTPUT.map((output) => ({ imageIds, output })),
            );
        case "body:putImageEdits":
          // Edits any image can take (the fuzz's images are small: a 1×1 crop at the corner lies inside each), so
          // edits get made and replaced; generated ones (a fifth) mostly crop outside the image, a 400.
          return fc.record(
            {
              crop: fc.constant({ x: 0, y: 0, width: 1, height: 1 }),
              flip: fc.constantFrom("h", "v", "hv"),
              rotate: fc.constantFrom(90, 180, 270),
              brightness: fc.constantFrom(0.8, 1.2),
              saturation: fc.constantFrom(0, 0.5, 2),
            },
            { requiredKeys: [] },
          );
        case "output":
          return SMALL_OUTPUT;
        case "name":
          // A preset's name (the path of /v1/presets/{name}, the body of a rename): the built-ins (refused, 409),
          // a few names the fuzz reuses (so renames and deletes find what PUTs made), or any valid name. An empty one
          // would be another route altogether.
          return fc.oneof(
            { weight: 1, arbitrary: fc.constantFrom("web", "thumbnail", "social-square") },
            { weight: 3, arbitrary: fc.constantFrom("fuzz-a", "fuzz-b", "fuzz-c") },
            { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9-]{1,40}$/) },
          );
        case "preset":
          // Built-in presets mostly (every user has them), else a name that is nobody's (400).
          return fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom("web", "thumbnail", "social-square") },
            { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9-]{1,40}$/) },
          );
        case "watermark":
          // The file route's watermark: one of A's images mostly (drawn), else B's, deleted or made up (404).
          return fc.oneof(
            { weight: 5, arbitrary: fc.nat(50).map((i) => imageRef("own", i)) },
            { weight: 2, arbitrary: fc.nat(50).map((i) => imageRef("other", i)) },
            { weight: 1, arbitrary: fc.nat(50).map((i) => imageRef("deleted", i)) },
          );
        case "trim.top":
        case "trim.right":
        case "trim.bottom":
        case "trim.left":
          return SMALL_TRIM;
        case "if-match":
          return fc.oneof(
            { weight: 5, arbitrary: fc.nat(2).map((i) => ifMatchRef("current", i)) },
            {
              weight: 2,
              arbitrary: fc
                .tuple(
                  fc.constantFrom<"weak" | "bare" | "stale" | "ahead">("weak", "bare", "stale", "ahead"),
                  fc.nat(2),
                )
                .map(([form, i]) => ifMatchRef(form, i)),
            },
            { weight: 1, arbitrary: fc.constantFrom(...IF_MATCH_JUNK) },
          );
        default:
          void schema;
          return undefined;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The plan arbitrary

const MALFORMED_JSON: (string | Uint8Array)[] = [
  "",
  "{",
  "}",
  "null",
  "[]",
  '"just a string"',
  "0",
  "{'single': 'quotes'}",
  '{"email": }',
  '{"a":1,}',
  "\ufeff{}",
  "[".repeat(10_000) + "]".repeat(10_000),
  '{"a":'.repeat(5_000) + "1" + "}".repeat(5_000),
  new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), // {"<invalid UTF-8>":1}
  `{"x":"${"y".repeat(1_000_000)}"}`,
];

const MALFORMED_MULTIPART: { contentType: string | null; body: string }[] = [
  { contentType: "multipart/form-data", body: "no boundary" },
  {
    contentType: "multipart/form-data; boundary=XyZ",
    body: '--XyZ\r\nContent-Disposition: form-data; name="file"\r\n\r\nunterminated',
  },
  { contentType: "multipart/form-data; boundary=XyZ", body: "--XyZ--\r\n" },
  { contentType: "multipart/form-data; boundary=XyZ", body: "" },
  {
    contentType: "multipart/form-data; boundary=XyZ",
    body: '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ--\r\n',
  },
  {
    contentType: "multipart/form-data; boundary=XyZ",
    body: "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''%F0%9F%90%88.png\r\n\r\nGIF89a\r\n--XyZ--\r\n",
  },
  { contentType: "application/x-www-form-urlencoded", body: "file=abc" },
  { contentType: "application/json", body: '{"file":"abc"}' },
  { contentType: null, body: "raw" },
];

const WRONG_CONTENT_TYPES = [
  null,
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/json; charset=utf-16",
  "APPLICATION/JSON",
  "application/jsonx",
  "multipart/form-data",
];

function bodyPlan(op: Operation, ctx: ArbitraryContext, positive: boolean): fc.Arbitrary<BodyPlan> {
  const canHaveBody = op.method !== "GET" && op.method !== "HEAD";
  if (positive) {
    const content = Object.entries(op.requestBody?.content ?? {});
    if (content.length === 0) return fc.constant<BodyPlan>({ kind: "none", contentType: null });
    return fc.oneof(
      ...content.map(([mediaType, media]) =>
        validValue(media.schema ?? {}, ctx, `body:${op.id}`).map<BodyPlan>((value) => ({
          kind: "schema",
          mediaType,
          contentType: "declared",
          value,
        })),
      ),
    );
  }
  const none = fc.constantFrom<BodyPlan>(
    { kind: "none", contentType: null },
    { kind: "none", contentType: "application/json" },
  );
  if (!op.requestBody) {
    if (!canHaveBody) return fc.constant<BodyPlan>({ kind: "none", contentType: null });
    return fc.oneof(
      { weight: 8, arbitrary: none },
      {
        weight: 1,
        arbitrary: fc
          .jsonValue({ maxDepth: 2 })
          .map<BodyPlan>((v) => ({ kind: "raw", contentType: "application/json", body: JSON.stringify(v) ?? "" })),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom<BodyPlan>(
          ...MALFORMED_JSON.map((body) => ({ kind: "raw" as const, contentType: "application/json", body })),
        ),
      },
    );
  }
  const options: fc.WeightedArbitrary<BodyPlan>[] = [{ weight: op.requestBody.required ? 1 : 3, arbitrary: none }];
  for (const [mediaType, media] of Object.entries(op.requestBody.content)) {
    const schema = media.schema ?? {};
    const value = fuzzValue(schema, ctx);
    const valid = validValue(schema, ctx, `body:${op.id}`);
    const invalid = invalidValue(schema, ctx);
    options.push({
      weight: 10,
      arbitrary: valid.map<BodyPlan>((v) => ({ kind: "schema", mediaType, contentType: "declared", value: v })),
    });
    if (invalid) {
      options.push({
        weight: 6,
        arbitrary: invalid.map<BodyPlan>((v) => ({ kind: "schema", mediaType, contentType: "declared", value: v })),
      });
    }
    options.push({
      weight: 2,
      arbitrary: fc
        .tuple(value, fc.constantFrom(...WRONG_CONTENT_TYPES))
        .map<BodyPlan>(([v, contentType]) => ({ kind: "schema", mediaType, contentType, value: v })),
    });
    if (mediaType === "multipart/form-data") {
      options.push({
        weight: 2,
        arbitrary: fc.constantFrom<BodyPlan>(...MALFORMED_MULTIPART.map((m) => ({ kind: "raw" as const, ...m }))),
      });
    } else {
      options.push({
        weight: 2,
        arbitrary: fc.constantFrom<BodyPlan>(
          ...MALFORMED_JSON.map((body) => ({ kind: "raw" as const, contentType: mediaType, body })),
        ),
      });
    }
  }
  return fc.oneof(...options);
}

function authPlan(op: Operation): fc.Arbitrary<{ kind: AuthKind; junk: string }> {
  const schemes = [...acceptedSchemes(op).values()];
  const bearer = schemes.some((s) => s.type === "http" && s.scheme?.toLowerCase() === "bearer");
  const alternatives = schemes.length > 1;
  const kinds: fc.WeightedArbitrary<AuthKind>[] = bearer
    ? [
        { weight: alternatives ? 10 : 2, arbitrary: fc.constant("none") },
        { weight: 10, arbitrary: fc.constant("valid") },
        { weight: 1, arbitrary: fc.constant("valid-lowercase-scheme") },
        { weight: 1, arbitrary: fc.constant("pool") },
        { weight: 3, arbitrary: fc.constant("other-user") },
        { weight: 1, arbitrary: fc.constant("revoked") },
        { weight: 1, arbitrary: fc.constant("expired") },
        {
          weight: 1,
          arbitrary: fc.constantFrom<AuthKind>(
            "bad-signature",
            "alg-none",
            "wrong-audience",
            "wrong-typ",
            "session-of-other-user",
          ),
        },
        { weight: 2, arbitrary: fc.constant("malformed") },
      ]
    : [
        { weight: 8, arbitrary: fc.constant("none") },
        { weight: 1, arbitrary: fc.constant("valid") },
        { weight: 1, arbitrary: fc.constant("malformed") },
      ];
  const junk = fc.oneof(
    fc.constantFrom(...TOKENISH_JUNK),
    fc.string({ maxLength: 60, unit: "binary" }).map((s) => `Bearer ${s}`),
    fc.string({ maxLength: 30 }),
  );
  return fc.record({ kind: fc.oneof(...kinds), junk });
}

function signaturePlan(op: Operation): fc.Arbitrary<SignatureKind> {
  const querySchemes = [...acceptedSchemes(op).values()].filter((s) => s.type === "apiKey" && s.in === "query");
  if (querySchemes.length === 0) return fc.constant("none");
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant<SignatureKind>("none") },
    { weight: 5, arbitrary: fc.constant<SignatureKind>("matching") },
    { weight: 1, arbitrary: fc.constantFrom<SignatureKind>("tampered", "other-image", "expired", "foreign-uid") },
  );
}

/**
 * Half of the requests are positive (every parameter and the body valid for the schema, ids and tokens mostly
 * real, so they reach the handlers), half negative (each part independently valid or not, plus repeated and
 * unknown parameters, malformed bodies and wrong content types). Credentials vary in both.
 */
export function planArbitrary(op: Operation, ctx: ArbitraryContext): fc.Arbitrary<RequestPlan> {
  return fc.oneof(planFor(op, ctx, true), planFor(op, ctx, false));
}

function planFor(op: Operation, ctx: ArbitraryContext, positive: boolean): fc.Arbitrary<RequestPlan> {
  const pathModel: Record<string, fc.Arbitrary<unknown>> = {};
  const queryParams: fc.Arbitrary<[string, unknown][]>[] = [];
  const headerParams: fc.Arbitrary<[string, unknown][]>[] = [];
  // A positive request sets each optional query parameter with odds 2:1; an operation with many of them (the file
  // route's processing options) sets a few, so that its requests are not mostly combinations its rules refuse.
  const optionalQuery = op.parameters.filter((p) => p.in === "query" && !p.required).length;
  const absentWeight = optionalQuery > 12 ? optionalQuery * 4 : 4;
  for (const p of op.parameters) {
    const schema = p.schema ?? { type: "string" };
    const hinted = ctx.hint?.(p.name, schema);
    const generic = positive
      ? validValue(schema, ctx)
      : fuzzValue(schema, ctx, undefined, p.in === "path" ? { valid: 4, invalid: 1 } : { valid: 1, invalid: 1 });
    // A header parameter's hint (If-Match: the session's version) is what gets a request past it: mostly that.
    const hintWeight = p.in === "header" ? 4 : 3;
    const value = hinted
      ? fc.oneof({ weight: hintWeight, arbitrary: hinted }, { weight: 5 - hintWeight, arbitrary: generic })
      : generic;
    if (p.in === "path") {
      // Values that would change the route rather than fill the parameter ("", ".", "..", as the URL spells them:
      // an empty array or null is "" too) are not this operation's.
      pathModel[p.name] = value.filter((v) => v instanceof Ref || !/^(|\.|\.\.)$/.test(asParam(v).join(",")));
    } else if (p.in === "query") {
      const options: fc.WeightedArbitrary<[string, unknown][]>[] = [
        { weight: 8, arbitrary: value.map<[string, unknown][]>((v) => [[p.name, v]]) },
      ];
      if (!(positive && p.required)) {
        const weight = p.required ? 1 : positive ? absentWeight : 4;
        options.push({ weight, arbitrary: fc.constant<[string, unknown][]>([]) });
      }
      if (!positive) {
        // Repeated parameter: ?limit=1&limit=abc.
        options.push({
          weight: 1,
          arbitrary: fc.tuple(value, value).map<[string, unknown][]>(([v, w]) => [
            [p.name, v],
            [p.name, w],
          ]),
        });
      }
      queryParams.push(fc.oneof(...options));
    } else if (p.in === "header") {
      const options: fc.WeightedArbitrary<[string, unknown][]>[] = [
        { weight: 8, arbitrary: value.map<[string, unknown][]>((v) => [[p.name, v]]) },
      ];
      if (!(positive && p.required)) {
        options.push({ weight: positive ? 1 : 3, arbitrary: fc.constant<[string, unknown][]>([]) });
      }
      headerParams.push(fc.oneof(...options));
    }
  }
  const extraQuery = positive
    ? fc.constant<[string, unknown][]>([])
    : fc.option(
        fc
          .tuple(fc.constantFrom("foo", "limit[]", "__proto__", "LIMIT", "callback", ""), fc.string({ maxLength: 20 }))
          .map<[string, unknown][]>(([k, v]) => [[k, v]]),
        { nil: [] as [string, unknown][], freq: 3 },
      );
  const isGet = op.method === "GET";
  const headers = fc.record(
    {
      range: fc.constantFrom(
        "bytes=0-3",
        "bytes=-5",
        "bytes=2-",
        "bytes=100000-",
        "bytes=-0",
        "bytes=3-1",
        "bytes=a-b",
        "bytes=0-1,4-5",
        "items=0-1",
        "bytes=99999999999999999999-",
        "bytes=0-99999999999999999999",
        "bytes=--1",
        "bytes= 1-2",
      ),
      ifNoneMatch: fc.constantFrom("matching", "weak-matching", "*", '"nope"', "W/", '"a", "b"', "garbage"),
      accept: fc.constantFrom("application/json", "image/*", "text/html", "*/*", "application/problem+json", ""),
      origin: fc.constantFrom("http://localhost:5173", "https://evil.example", "null"),
    },
    { requiredKeys: [] },
  );
  return fc.record({
    path: fc.record(pathModel),
    query: fc.tuple(fc.tuple(...queryParams), extraQuery).map(([params, extra]) => [...params.flat(), ...extra]),
    headerParams: fc.tuple(...headerParams).map((params) => params.flat()),
    auth: authPlan(op),
    signature: signaturePlan(op),
    headers: isGet
      ? headers
      : headers.map(({ accept, origin }) => ({
          ...(accept === undefined ? {} : { accept }),
          ...(origin === undefined ? {} : { origin }),
        })),
    body: bodyPlan(op, ctx, positive),
    ip: fc.oneof(
      { weight: 12, arbitrary: fc.constant({ kind: "fresh" as const, value: "" }) },
      { weight: 3, arbitrary: fc.constant({ kind: "hot" as const, value: "" }) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(...HOSTILE_STRINGS.slice(0, 20))
          .map((value) => ({ kind: "hostile" as const, value })),
      },
    ),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Resolution: the plan against the current state → a Request

export async function resolveRefs(value: unknown, state: FuzzState, scope: RefScope = {}): Promise<unknown> {
  if (value instanceof Ref) return value.pick(state, scope);
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolveRefs(v, state, scope)));
  // Plain objects, including the null-prototype ones fc.record sometimes makes.
  if (value && typeof value === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, {
        value: await resolveRefs(v, state, scope),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
  return value;
}

function asParam(value: unknown): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(asParam);
  if (value === null) return [""];
  if (typeof value === "string") return [value];
  if (value instanceof FilePart) return [value.filename];
  if (typeof value === "object") return [JSON.stringify(value)];
  return [String(value)];
}

async function authHeader(
  op: Operation,
  auth: RequestPlan["auth"],
  state: FuzzState,
): Promise<{ header?: string; caller?: Session }> {
  const forged = (key: string) => ({ header: `Bearer ${state.forged.get(key)}` });
  // An operation that ends the session it is called with gets throwaway sessions, never the main ones.
  const ending = THROWAWAY_SESSION_OPERATIONS.has(op.id);
  // The deprecated layer takes its own tokens; a main user's is the "valid" one there.
  if (
    acceptedSchemes(op).has("legacyBearer") &&
    (auth.kind === "valid" || auth.kind === "valid-lowercase-scheme" || auth.kind === "other-user")
  ) {
    const session = auth.kind === "other-user" ? state.b : state.a;
    return {
      header: `${auth.kind === "valid-lowercase-scheme" ? "bearer" : "Bearer"} ${session.legacyToken}`,
      caller: session,
    };
  }
  switch (auth.kind) {
    case "none":
      return {};
    case "valid":
    case "valid-lowercase-scheme": {
      const session = ending ? await state.takePoolSession() : state.a;
      return { header: `${auth.kind === "valid" ? "Bearer" : "bearer"} ${session.accessToken}`, caller: session };
    }
    case "pool": {
      const session = await state.takePoolSession();
      return { header: `Bearer ${session.accessToken}`, caller: session };
    }
    case "other-user": {
      const session = ending ? await state.takePoolSession() : state.b;
      return { header: `Bearer ${session.accessToken}`, caller: session };
    }
    case "revoked":
      return { header: `Bearer ${state.revokedTokens[state.revokedTokens.length - 1]}` };
    case "malformed":
      return { header: headerSafe(auth.junk) };
    default:
      return forged(auth.kind);
  }
}

function serializeBody(mediaType: string, value: unknown): { body: BodyInit; contentType: string | null } {
  if (mediaType === "multipart/form-data" && value && typeof value === "object" && !Array.isArray(value)) {
    const form = new FormData();
    for (const [rawKey, field] of Object.entries(value)) {
      // workerd's FormData refuses a name or filename ending in a backslash; everything else goes as generated.
      const key = rawKey.replace(/\\$/, "\\_");
      for (const item of Array.isArray(field) ? field : [field]) {
        if (item === undefined) continue;
        if (item instanceof FilePart)
          form.append(key, new File([item.bytes], item.filename.replace(/\\$/, "\\_"), { type: item.type }));
        else form.append(key, typeof item === "string" ? item : JSON.stringify(item));
      }
    }
    return { body: form, contentType: null };
  }
  if (mediaType === "application/x-www-form-urlencoded" && value && typeof value === "object") {
    const params = new URLSearchParams();
    for (const [key, field] of Object.entries(value))
      for (const item of asParam(field)) params.append(key, wellFormed(item));
    return { body: params, contentType: mediaType };
  }
  return { body: value === undefined ? "" : (JSON.stringify(value) ?? ""), contentType: mediaType };
}

export async function buildRequest(op: Operation, plan: RequestPlan, state: FuzzState): Promise<BuiltRequest> {
  const pathValues = (await resolveRefs(plan.path, state)) as Record<string, unknown>;
  let path = op.path;
  for (const [name, value] of Object.entries(pathValues)) {
    path = path.replace(`{${name}}`, encodeURIComponent(wellFormed(asParam(value).join(","))));
  }
  const pathId = typeof pathValues.id === "string" ? pathValues.id : undefined;
  const scope: RefScope = { pathId };

  let query = (await resolveRefs(plan.query, state, scope)) as [string, unknown][];
  const signature = pathId === undefined ? undefined : await state.signature(plan.signature, pathId);
  if (signature) {
    query = [...query.filter(([name]) => !(name in signature)), ...Object.entries(signature)];
  }
  const search = query
    .flatMap(([name, value]) =>
      asParam(value).map((v) => `${encodeURIComponent(wellFormed(name))}=${encodeURIComponent(wellFormed(v))}`),
    )
    .join("&");
  const url = new URL(path + (search ? `?${search}` : ""), BASE_URL);

  const headers = new Headers();
  const ip = plan.ip.kind === "fresh" ? randomIpv4() : plan.ip.kind === "hot" ? state.hotIp : headerSafe(plan.ip.value);
  headers.set("cf-connecting-ip", ip);
  const { header: authorization, caller } = await authHeader(op, plan.auth, state);
  if (authorization !== undefined) headers.set("authorization", authorization);
  const known = pathId === undefined ? undefined : state.images.get(pathId);
  if (plan.headers.range !== undefined) headers.set("range", plan.headers.range);
  if (plan.headers.ifNoneMatch !== undefined) {
    const etag = known ? `"${known.sha256}"` : '"0"';
    const value =
      { matching: etag, "weak-matching": `W/${etag}` }[plan.headers.ifNoneMatch] ?? plan.headers.ifNoneMatch;
    headers.set("if-none-match", value);
  }
  for (const [name, value] of (await resolveRefs(plan.headerParams, state, scope)) as [string, unknown][]) {
    // ASCII only: workerd sends other characters as UTF-8 (with a warning), which no browser would send.
    headers.set(name, headerSafe(asParam(value).join(",")).replace(/[^\u0020-\u007e\t]/g, "?"));
  }
  if (plan.headers.accept !== undefined) headers.set("accept", plan.headers.accept);
  if (plan.headers.origin !== undefined) headers.set("origin", plan.headers.origin);

  let body: BodyInit | undefined;
  let jsonBody: unknown;
  let bodyText = "";
  const plannedBody = plan.body;
  if (plannedBody.kind === "schema") {
    const value = await resolveRefs(plannedBody.value, state, scope);
    jsonBody = value;
    const serialized = serializeBody(plannedBody.mediaType, value);
    if (plannedBody.contentType === "declared") {
      body = serialized.body;
      if (serialized.contentType) headers.set("content-type", serialized.contentType);
    } else {
      // The same bytes under a different (or no) Content-Type.
      const encoded = new Response(serialized.body);
      body = new Uint8Array(await encoded.arrayBuffer());
      if (plannedBody.contentType !== null) headers.set("content-type", plannedBody.contentType);
    }
    bodyText = describeValue(value);
  } else if (plannedBody.kind === "raw") {
    body = plannedBody.body as BodyInit;
    if (plannedBody.contentType !== null) headers.set("content-type", plannedBody.contentType);
    bodyText =
      typeof plannedBody.body === "string"
        ? JSON.stringify(excerpt(plannedBody.body))
        : `<${plannedBody.body.length} raw bytes>`;
  } else if (plannedBody.contentType !== null) {
    headers.set("content-type", plannedBody.contentType);
  }

  const request = new Request(url, { method: op.method, headers, ...(body === undefined ? {} : { body }) });
  const shownHeaders = [...request.headers].map(([k, v]) => `${k}: ${excerpt(v, 120)}`).join("\n    ");
  // fileCaller-style routes take the bearer token when an Authorization header is sent at all, else the signature.
  const authorizationSent = (request.headers.get("authorization") ?? "") !== "";
  const signatureValid = plan.signature === "matching" && known !== undefined && !known.deleted && !authorizationSent;
  return {
    request,
    describe: `${op.method} ${excerpt(url.pathname + url.search, 600)}\n    ${shownHeaders}${bodyText ? `\n    body: ${bodyText}` : ""}`,
    validCredential: VALID_AUTH.has(plan.auth.kind) || signatureValid,
    caller,
    authKind: plan.auth.kind,
    pathId,
    jsonBody,
  };
}

function randomIpv4(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

export function excerpt(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value, (_key, v) => (v instanceof FilePart ? v[fc.toStringMethod]() : v));
  return excerpt(text ?? String(value), 600);
}
