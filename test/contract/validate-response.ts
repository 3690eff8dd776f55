// Checks one response against what the OpenAPI document declares for its operation: the status is declared, the
// content type is one declared for that status, and a JSON body validates against the declared schema (with
// `$ref`s into #/components resolved by the validator). Binary bodies are checked by content-type family only.
import { type Schema, Validator } from "@cfworker/json-schema";
import {
  deref,
  type HeaderObject,
  type JsonSchema,
  type Operation,
  type ResponseObject,
  resolvePointer,
  spec,
} from "./spec";

export interface ReceivedResponse {
  status: number;
  contentType: string | null;
  body: Uint8Array;
  /** When given, declared response headers are checked too. */
  headers?: Headers;
}

export interface ContractCheck {
  violations: string[];
  /** The parsed body when it is JSON (for the caller's bookkeeping), else undefined. */
  json: unknown;
}

const validators = new Map<string, Validator>();

/**
 * A validator for a schema from the document. The root carries the document's `components`, so every
 * `#/components/...` reference (at any depth) resolves against the same base as in openapi.json.
 */
function validatorFor(key: string, schema: JsonSchema): Validator {
  let validator = validators.get(key);
  if (!validator) {
    validator = new Validator({ ...schema, components: spec.components } as unknown as Schema, "2020-12", false);
    validators.set(key, validator);
  }
  return validator;
}

/** Violations of `schema` (any schema of the document, or a `$ref` into it) by `value`; `key` caches the validator. */
export function validateAgainst(key: string, schema: JsonSchema, value: unknown): string[] {
  const result = validatorFor(key, schema).validate(value);
  if (result.valid) return [];
  const leaves = result.errors.filter((error) => !WRAPPER_ERRORS.test(error.error));
  return (leaves.length > 0 ? leaves : result.errors)
    .slice(0, 6)
    .map((e) => `${e.instanceLocation || "#"}: ${e.error}`);
}

/** The declared response for a status: exact code, then the `4XX`-style range, then `default`. */
export function declaredResponse(op: Operation, status: number): ResponseObject | undefined {
  return op.responses[String(status)] ?? op.responses[`${Math.floor(status / 100)}XX`] ?? op.responses.default;
}

export function mediaTypeOf(contentType: string | null): string | null {
  if (!contentType) return null;
  return contentType.split(";")[0]!.trim().toLowerCase();
}

/** The declared media-type key that a response's media type satisfies (`image/*` covers `image/png`). */
function matchMediaType(declared: string[], actual: string): string | undefined {
  const [type] = actual.split("/");
  return (
    declared.find((key) => key.toLowerCase() === actual) ??
    declared.find((key) => key.toLowerCase() === `${type}/*`) ??
    declared.find((key) => key === "*/*")
  );
}

function isJsonMediaType(mediaType: string): boolean {
  return mediaType === "application/json" || mediaType.endsWith("+json");
}

/** Validator messages that only say "something below failed". */
const WRAPPER_ERRORS =
  /^(A subschema had errors\.|Items did not match schema\.|Property "[^"]*" does not match schema\.|Instance does not match every subschema\.)$/;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }); // a BOM is not JSON (RFC 8259 §8.1)

export function checkResponse(op: Operation, response: ReceivedResponse): ContractCheck {
  const violations: string[] = [];
  const { status } = response;
  let json: unknown;
  if (status >= 500) violations.push(`server error ${status}`);

  const declared = declaredResponse(op, status);
  if (!declared) {
    violations.push(`status ${status} is not declared (declared: ${Object.keys(op.responses).join(", ")})`);
    return { violations, json: tryJson(response.body) };
  }

  if (response.headers) violations.push(...headerViolations(op, status, declared, response.headers));

  const content = declared.content ?? {};
  const mediaKeys = Object.keys(content);
  if (mediaKeys.length === 0) {
    if (response.body.length > 0) violations.push(`${status} declares no body, got ${response.body.length} bytes`);
    return { violations, json };
  }

  const actual = mediaTypeOf(response.contentType);
  if (!actual) {
    violations.push(`${status} has no Content-Type (declared: ${mediaKeys.join(", ")})`);
    return { violations, json: tryJson(response.body) };
  }
  const key = matchMediaType(mediaKeys, actual);
  if (!key) {
    violations.push(`${status} answered ${actual}, which is not declared (declared: ${mediaKeys.join(", ")})`);
    return { violations, json: tryJson(response.body) };
  }

  const schema = content[key]?.schema;
  if (!isJsonMediaType(key.toLowerCase())) return { violations, json }; // binary: the content type family is the check
  try {
    json = JSON.parse(utf8.decode(response.body));
  } catch (error) {
    violations.push(`${status} ${actual} body is not JSON: ${String(error)}`);
    return { violations, json };
  }
  if (schema) {
    const result = validatorFor(`${op.id} ${status} ${key}`, schema).validate(json);
    if (!result.valid) {
      // The validator reports the failing leaves after their "a subschema had errors" ancestors: keep the leaves.
      const leaves = result.errors.filter((error) => !WRAPPER_ERRORS.test(error.error));
      const shown = (leaves.length > 0 ? leaves : result.errors).slice(0, 6);
      violations.push(
        `${status} body does not match its schema: ${shown.map((e) => `${e.instanceLocation || "#"}: ${e.error}`).join("; ")}`,
      );
    }
  }
  // RFC 9457: a problem's `status`, when present, is the HTTP status of the response carrying it.
  if (
    key.toLowerCase() === "application/problem+json" &&
    isRecord(json) &&
    "status" in json &&
    json.status !== status
  ) {
    violations.push(`problem.status ${JSON.stringify(json.status)} differs from the HTTP status ${status}`);
  }
  return { violations, json };
}

/** Declared response headers: present when required, and their values (as the schema's type) valid when present. */
function headerViolations(op: Operation, status: number, declared: ResponseObject, headers: Headers): string[] {
  const out: string[] = [];
  for (const [name, raw] of Object.entries(declared.headers ?? {})) {
    const header = "$ref" in raw ? resolvePointer<HeaderObject>(raw.$ref) : raw;
    const value = headers.get(name);
    if (value === null) {
      if (header.required) out.push(`${status} lacks the required header ${name}`);
      continue;
    }
    if (!header.schema) continue;
    const schema = deref(header.schema);
    const types = [schema.type ?? "string"].flat();
    let typed: unknown = value;
    if ((types.includes("integer") || types.includes("number")) && /^-?\d+(\.\d+)?$/.test(value.trim()))
      typed = Number(value);
    else if (types.includes("boolean") && /^(true|false)$/.test(value)) typed = value === "true";
    const result = validatorFor(`${op.id} ${status} header ${name}`, header.schema).validate(typed);
    if (!result.valid) out.push(`${status} header ${name}: ${JSON.stringify(value)} does not match its schema`);
  }
  return out;
}

function tryJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(body));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
