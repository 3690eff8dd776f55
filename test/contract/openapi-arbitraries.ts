// JSON Schema → fast-check arbitraries: values that satisfy a schema, values that violate it, and mixes of both.
// Covers what OpenAPI 3.1 documents use: $ref, type (incl. type arrays for nullable), enum/const, object
// (properties, required, additionalProperties), array (items, minItems, maxItems), string (minLength, maxLength,
// pattern, format email/date-time/uuid/binary), integer/number (inclusive and exclusive bounds), anyOf/oneOf/allOf.
import fc from "fast-check";
import { deref, type JsonSchema } from "./spec";

export interface ArbitraryContext {
  /**
   * Extra candidates for the property or parameter with this name, usually drawn from the fuzzer's state (real
   * ids, emails, refresh tokens, cursors). They are mixed in with the schema's own valid values, as they are.
   */
  hint?(name: string, schema: JsonSchema): fc.Arbitrary<unknown> | undefined;
  /** Values for `format: binary` (file parts of a multipart body). */
  binary?(): fc.Arbitrary<unknown>;
}

/** A file in a multipart body. */
export class FilePart {
  constructor(
    readonly bytes: Uint8Array,
    readonly filename: string,
    readonly type: string,
    readonly label: string,
  ) {}
  [fc.toStringMethod](): string {
    return `File(${this.label}, ${this.bytes.length} bytes, name ${JSON.stringify(this.filename)}, type ${JSON.stringify(this.type)})`;
  }
}

const MAX_DEPTH = 6;
/** Generated strings stay short unless a boundary is being probed: long random strings only cost time. */
const TYPICAL_EXTRA_LENGTH = 40;

/**
 * Strings that have broken parsers, query languages and storage before: quotes, FTS5 syntax (`NEAR(`, `"cat`,
 * `OR`, `*`, `-cat`, column filters), NUL and other control characters, SQL and template injection, path
 * traversal, unicode that changes length or case under normalisation, a lone surrogate, and long runs.
 */
export const HOSTILE_STRINGS: readonly string[] = [
  "",
  " ",
  "   ",
  "'",
  '"',
  '"cat',
  'cat"',
  '""',
  "*",
  "cat*",
  "*cat",
  "NEAR(",
  "NEAR(cat dog)",
  "NEAR(cat, 2)",
  "cat OR",
  "OR",
  "AND",
  "NOT",
  "cat AND NOT dog",
  "-cat",
  "^cat",
  "+cat",
  "label:cat",
  "image_search:tabby",
  "{label}: cat",
  "(",
  ")",
  "((cat)",
  "cat)",
  ":",
  "\\",
  "\\\\",
  "%",
  "%00",
  "%2F",
  "\u0000",
  "a\u0000b",
  "\u0001\u001f\u007f",
  "\t\n\r",
  "\r\nX-Injected: 1",
  "' OR '1'='1",
  "1; DROP TABLE images; --",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "$" + "{7*7}",
  "{{7*7}}",
  "null",
  "undefined",
  "NaN",
  "-1",
  "0",
  "1e309",
  "__proto__",
  "constructor",
  "🐈",
  "🐈‍⬛",
  "ǅǆ",
  "İstanbul",
  "straße",
  "\u202egnp.exe",
  "e\u0301",
  "\ufeffbom",
  "\ud800",
  "ｃａｔ",
  "ラベル",
  "x".repeat(65),
  "x".repeat(257),
  "x".repeat(1025),
  "cat ".repeat(300),
  "é".repeat(600),
];

const INVALID_EMAILS = [
  "",
  "plainaddress",
  "@example.com",
  "user@",
  "user@@example.com",
  "user@example..com",
  "user name@example.com",
  "user@exa mple.com",
  '"quoted"@example.com',
  "user@example.com\u0000",
  `${"a".repeat(250)}@example.com`,
  "user@[127.0.0.1]",
  "üser@exämple.com",
];

const INVALID_DATE_TIMES = [
  "",
  "2026-13-01T00:00:00Z",
  "2026-02-30T00:00:00Z",
  "yesterday",
  "1700000000",
  "2026-01-01",
];

type JsonType = "string" | "number" | "integer" | "boolean" | "null" | "array" | "object";

/** One value of each JSON type, for "wrong type" violations. */
const SAMPLES: { type: JsonType; value: unknown }[] = [
  { type: "string", value: "x" },
  { type: "string", value: "12" },
  { type: "string", value: "" },
  { type: "integer", value: 7 },
  { type: "integer", value: -1 },
  { type: "integer", value: 0 },
  { type: "number", value: 1.5 },
  { type: "number", value: -0.25 },
  { type: "number", value: 1e21 },
  { type: "boolean", value: true },
  { type: "boolean", value: false },
  { type: "null", value: null },
  { type: "array", value: [] },
  { type: "array", value: ["x"] },
  { type: "array", value: [1, null] },
  { type: "object", value: {} },
  { type: "object", value: { x: 1 } },
];

/** Code points, as JSON Schema counts string length. */
export function codePoints(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

function typesOf(s: JsonSchema): JsonType[] {
  if (s.type !== undefined) return (Array.isArray(s.type) ? s.type : [s.type]) as JsonType[];
  if (s.enum) return [...new Set(s.enum.map(jsonTypeOf))];
  if (s.const !== undefined) return [jsonTypeOf(s.const)];
  if (s.properties || s.additionalProperties !== undefined) return ["object"];
  if (s.items) return ["array"];
  if (s.minLength !== undefined || s.maxLength !== undefined || s.format) return ["string"];
  if (s.minimum !== undefined || s.maximum !== undefined) return ["number"];
  return [];
}

function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value as JsonType;
}

function typeAllowed(types: JsonType[], value: unknown): boolean {
  const t = jsonTypeOf(value);
  return types.includes(t) || (t === "integer" && types.includes("number"));
}

/** allOf flattened into one object schema (properties and required merged); enough for OpenAPI's `allOf`. */
function mergeAllOf(s: JsonSchema): JsonSchema {
  const parts = [{ ...s, allOf: undefined }, ...(s.allOf ?? []).map((part) => deref(part))].map((part) =>
    part.allOf ? mergeAllOf(part) : part,
  );
  const merged: JsonSchema = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (value === undefined) continue;
      if (key === "properties") merged.properties = { ...merged.properties, ...(value as JsonSchema["properties"]) };
      else if (key === "required") merged.required = [...new Set([...(merged.required ?? []), ...(value as string[])])];
      else (merged as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
}

// ---------------------------------------------------------------------------------------------------------------
// Valid values

/** Values that satisfy `schema` (plus the context's hints for `name`, which need not). */
export function validValue(schema: JsonSchema, ctx: ArbitraryContext, name?: string, depth = 0): fc.Arbitrary<unknown> {
  const s = deref(schema);
  const hinted = name === undefined ? undefined : ctx.hint?.(name, s);
  // The document's own examples are valid values too (the self-check holds them to the schema).
  const examples = [...(s.example === undefined ? [] : [s.example]), ...(s.examples ?? [])];
  const generated = validOwn(s, ctx, depth);
  const own =
    examples.length > 0
      ? fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...examples) }, { weight: 5, arbitrary: generated })
      : generated;
  return hinted ? fc.oneof({ weight: 4, arbitrary: hinted }, { weight: 1, arbitrary: own }) : own;
}

function validOwn(s: JsonSchema, ctx: ArbitraryContext, depth: number): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.allOf) return validOwn(mergeAllOf(s), ctx, depth);
  const branches = s.anyOf ?? s.oneOf;
  if (branches) return fc.oneof(...branches.map((branch) => validValue(branch, ctx, undefined, depth + 1)));
  const types = typesOf(s);
  if (types.length === 0) return fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(...types.map((type) => validOfType(s, type, ctx, depth)));
}

function validOfType(s: JsonSchema, type: JsonType, ctx: ArbitraryContext, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case "string":
      return validString(s, ctx);
    case "integer": {
      const min = Math.max(
        Number.MIN_SAFE_INTEGER,
        s.minimum ?? (s.exclusiveMinimum === undefined ? -(2 ** 31) : Math.floor(s.exclusiveMinimum) + 1),
      );
      const max = Math.min(
        Number.MAX_SAFE_INTEGER,
        s.maximum ?? (s.exclusiveMaximum === undefined ? 2 ** 31 : Math.ceil(s.exclusiveMaximum) - 1),
      );
      return fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min, max }) },
        { weight: 1, arbitrary: fc.constantFrom(min, max) },
      );
    }
    case "number":
      return fc.double({
        min: s.minimum ?? s.exclusiveMinimum ?? -1e12,
        max: s.maximum ?? s.exclusiveMaximum ?? 1e12,
        minExcluded: s.minimum === undefined && s.exclusiveMinimum !== undefined,
        maxExcluded: s.maximum === undefined && s.exclusiveMaximum !== undefined,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.min(s.maxItems ?? minLength + 6, minLength + 6);
      const item = s.items ?? {};
      const arrays = [
        { weight: 4, arbitrary: fc.array(validValue(item, ctx, undefined, depth + 1), { minLength, maxLength }) },
      ];
      if (s.maxItems !== undefined && s.maxItems > maxLength) {
        const full = s.maxItems;
        arrays.push({
          weight: 1,
          arbitrary: fc.array(validValue(item, ctx, undefined, depth + 1), { minLength: full, maxLength: full }),
        });
      }
      return fc.oneof(...arrays);
    }
    case "object":
      return validObject(s, ctx, depth);
  }
}

function validString(s: JsonSchema, ctx: ArbitraryContext): fc.Arbitrary<unknown> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? Number.POSITIVE_INFINITY;
  switch (s.format) {
    case "binary":
      return (
        ctx.binary?.() ??
        fc
          .uint8Array({ maxLength: 256 })
          .map((bytes) => new FilePart(bytes, "blob.bin", "application/octet-stream", "random bytes"))
      );
    case "email":
      return fc.oneof(
        fc.uuid().map((id) => `fuzz-${id}@example.com`),
        fc.emailAddress().filter((email) => email.length <= Math.min(max, 254)),
      );
    case "date-time":
      return fc
        .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true })
        .map((date) => date.toISOString());
    case "uuid":
      return fc.uuid();
    case "uri":
    case "url":
      return fc.webUrl();
    case "uri-reference":
      return fc.oneof(fc.webUrl(), fc.webPath());
  }
  const within = (value: string) => {
    const n = codePoints(value);
    return n >= min && n <= max;
  };
  if (s.pattern !== undefined) {
    // Strings the pattern accepts (fast-check builds them from the regular expression), within the length bounds.
    return fc.stringMatching(new RegExp(s.pattern)).filter(within);
  }
  const cap = Math.min(max, min + TYPICAL_EXTRA_LENGTH);
  const options: fc.WeightedArbitrary<string>[] = [
    { weight: 4, arbitrary: fc.string({ minLength: min, maxLength: cap, unit: "grapheme-ascii" }) },
    { weight: 2, arbitrary: fc.string({ minLength: min, maxLength: cap, unit: "binary" }).filter(within) },
  ];
  const hostile = HOSTILE_STRINGS.filter(within);
  if (hostile.length > 0) options.push({ weight: 3, arbitrary: fc.constantFrom(...hostile) });
  // Exactly at the bounds, in characters of 1, 2 and 4 UTF-8 bytes (and 1 or 2 UTF-16 units).
  const lengths = [...new Set([min, Number.isFinite(max) ? max : min + 2000])];
  options.push({
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...lengths), fc.constantFrom("x", "é", "🐈"))
      .map(([length, char]) => char.repeat(length)),
  });
  return fc.oneof(...options);
}

function validObject(s: JsonSchema, ctx: ArbitraryContext, depth: number): fc.Arbitrary<Record<string, unknown>> {
  if (depth > MAX_DEPTH) return fc.constant({});
  const properties = s.properties ?? {};
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, schema] of Object.entries(properties)) model[key] = validValue(schema, ctx, key, depth + 1);
  const requiredKeys = (s.required ?? []).filter((key) => key in properties);
  const record = fc.record(model, { requiredKeys });
  if (s.additionalProperties === false) return record;
  const extraValue =
    typeof s.additionalProperties === "object"
      ? validValue(s.additionalProperties, ctx, undefined, depth + 1)
      : fc.jsonValue({ maxDepth: 1 });
  const extraKey = fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !(key in properties));
  return fc
    .tuple(record, fc.option(fc.dictionary(extraKey, extraValue, { maxKeys: 2 }), { nil: undefined }))
    .map(([object, extra]) => ({ ...extra, ...object }));
}

// ---------------------------------------------------------------------------------------------------------------
// Invalid values

/** Values that violate `schema`, or undefined when the schema accepts anything. */
export function invalidValue(schema: JsonSchema, ctx: ArbitraryContext, depth = 0): fc.Arbitrary<unknown> | undefined {
  const s = deref(schema);
  if (s.allOf) return invalidValue(mergeAllOf(s), ctx, depth);
  const options: fc.WeightedArbitrary<unknown>[] = [];
  const branches = s.anyOf ?? s.oneOf;
  const types = branches ? [...new Set(branches.flatMap((branch) => typesOf(deref(branch))))] : typesOf(s);
  if (types.length > 0 && !branches?.some((branch) => typesOf(deref(branch)).length === 0)) {
    const wrong = SAMPLES.filter((sample) => !typeAllowed(types, sample.value)).map((sample) => sample.value);
    if (wrong.length > 0) options.push({ weight: 2, arbitrary: fc.constantFrom(...wrong) });
  }
  if (s.enum) {
    const outside = ["", "x", "ALL", " all", "any ", "null", ...HOSTILE_STRINGS.slice(0, 12), 0, true, null]
      .concat(
        s.enum
          .filter((v): v is string => typeof v === "string")
          .flatMap((v) => [v.toUpperCase(), `${v} `, `${v}\u0000`]),
      )
      .filter((candidate) => !s.enum!.some((allowed) => allowed === candidate));
    if (outside.length > 0) options.push({ weight: 3, arbitrary: fc.constantFrom(...outside) });
  }
  if (!branches && !s.enum && s.const === undefined) {
    for (const type of types) {
      const arbitrary = invalidOfType(s, type, ctx, depth);
      if (arbitrary) options.push({ weight: 3, arbitrary });
    }
  }
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

function invalidOfType(
  s: JsonSchema,
  type: JsonType,
  ctx: ArbitraryContext,
  depth: number,
): fc.Arbitrary<unknown> | undefined {
  const options: fc.Arbitrary<unknown>[] = [];
  switch (type) {
    case "string": {
      if (s.format === "email") options.push(fc.constantFrom(...INVALID_EMAILS));
      if (s.format === "date-time") options.push(fc.constantFrom(...INVALID_DATE_TIMES));
      if (s.format === "uri" || s.format === "url")
        options.push(fc.constantFrom("", "not a uri", "://missing-scheme", "http://exa mple.com"));
      if (s.minLength !== undefined && s.minLength > 0) {
        options.push(fc.string({ minLength: 0, maxLength: s.minLength - 1, unit: "grapheme-ascii" }));
      }
      if (s.pattern !== undefined) {
        // Near misses and hostile strings that the pattern refuses.
        const pattern = new RegExp(s.pattern);
        const misses = [...HOSTILE_STRINGS, "#", "#12", "#12345", "red", "0.5", "0.5x", "2x0.5", "0.5x0.5x0.5"];
        options.push(fc.constantFrom(...misses.filter((candidate) => !pattern.test(candidate))));
        if (s.pattern.startsWith("^") && s.pattern.endsWith("$")) {
          // An anchored pattern refuses a match with anything around it.
          options.push(
            fc
              .tuple(fc.stringMatching(pattern), fc.constantFrom(" ", "\u0000", "!"))
              .map(([match, extra]) => match + extra),
          );
        }
      }
      if (s.maxLength !== undefined) {
        const max = s.maxLength;
        options.push(
          fc.oneof(
            fc.integer({ min: max + 1, max: max + 8 }).map((n) => "x".repeat(n)),
            fc.constant("é".repeat(max + 1)),
            fc.constant("y".repeat(Math.max(100_000, max * 4))),
          ),
        );
      }
      break;
    }
    case "integer":
    case "number": {
      if (s.minimum !== undefined) options.push(fc.constantFrom(s.minimum - 1, s.minimum - 0.5, -(2 ** 53)));
      if (s.exclusiveMinimum !== undefined) options.push(fc.constant(s.exclusiveMinimum));
      if (s.maximum !== undefined) options.push(fc.constantFrom(s.maximum + 1, s.maximum + 0.5, 2 ** 53 + 2, 1e308));
      if (s.exclusiveMaximum !== undefined) options.push(fc.constant(s.exclusiveMaximum));
      if (type === "integer") options.push(fc.constantFrom(0.5, 1.000001, -7.25));
      break;
    }
    case "array": {
      const item = s.items ?? {};
      if (s.maxItems !== undefined) {
        const over = s.maxItems + 1;
        options.push(fc.array(validValue(item, ctx, undefined, depth + 1), { minLength: over, maxLength: over + 4 }));
      }
      if (s.minItems !== undefined && s.minItems > 0) {
        options.push(fc.array(validValue(item, ctx, undefined, depth + 1), { maxLength: s.minItems - 1 }));
      }
      const badItem = depth < MAX_DEPTH ? invalidValue(item, ctx, depth + 1) : undefined;
      if (badItem) {
        options.push(
          fc
            .tuple(fc.array(validValue(item, ctx, undefined, depth + 1), { maxLength: 3 }), badItem, fc.nat(3))
            .map(([items, bad, at]) => {
              const out = [...items];
              out.splice(at % (out.length + 1), 0, bad);
              return out;
            }),
        );
      }
      break;
    }
    case "object": {
      if (depth > MAX_DEPTH) break;
      const valid = validObject(s, ctx, depth);
      const required = s.required ?? [];
      if (required.length > 0) {
        options.push(
          fc.tuple(valid, fc.constantFrom(...required)).map(([object, key]) => {
            const copy = { ...object };
            delete copy[key];
            return copy;
          }),
        );
      }
      if (s.additionalProperties === false) {
        const keys = ["extra", "__proto__", "constructor", "", "EMAIL", "id", "userId", "user_id", "admin"].filter(
          (key) => !(key in (s.properties ?? {})),
        );
        options.push(
          fc
            .tuple(valid, fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 1 }))
            .map(([object, key, value]) => ({ ...object, [key]: value })),
        );
      }
      for (const [key, schema] of Object.entries(s.properties ?? {})) {
        const bad = invalidValue(schema, ctx, depth + 1);
        if (bad) options.push(fc.tuple(valid, bad).map(([object, value]) => ({ ...object, [key]: value })));
      }
      break;
    }
    default:
      break;
  }
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------

/** Valid and invalid values mixed (valid more often, so requests also get past validation). */
export function fuzzValue(
  schema: JsonSchema,
  ctx: ArbitraryContext,
  name?: string,
  weights: { valid: number; invalid: number } = { valid: 3, invalid: 2 },
): fc.Arbitrary<unknown> {
  const valid = validValue(schema, ctx, name);
  const invalid = invalidValue(schema, ctx);
  return invalid
    ? fc.oneof({ weight: weights.valid, arbitrary: valid }, { weight: weights.invalid, arbitrary: invalid })
    : valid;
}
