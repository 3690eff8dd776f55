// The OpenAPI document as data: its operations, their parameters, bodies, security and declared responses.
// Imported straight from openapi/openapi.json, so a route added to the spec is fuzzed without touching this suite.
import rawSpec from "../../openapi/openapi.json";

/** The subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that the fuzzer understands. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  /** ECMA-262 regular expression (unanchored unless the pattern anchors itself). */
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
  example?: unknown;
  examples?: unknown[];
}

export interface MediaType {
  schema?: JsonSchema;
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonSchema;
}

export interface HeaderObject {
  required?: boolean;
  schema?: JsonSchema;
}

export interface ResponseObject {
  description?: string;
  content?: Record<string, MediaType>;
  headers?: Record<string, HeaderObject | { $ref: string }>;
}

export interface SecurityScheme {
  type: "http" | "apiKey" | "oauth2" | "openIdConnect" | "mutualTLS";
  scheme?: string;
  in?: "query" | "header" | "cookie";
  name?: string;
}

export type SecurityRequirement = Record<string, string[]>;

interface RawOperation {
  operationId?: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  security?: SecurityRequirement[];
  responses: Record<string, ResponseObject>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, RawOperation | unknown>>;
  components: {
    schemas?: Record<string, JsonSchema>;
    parameters?: Record<string, Parameter>;
    securitySchemes?: Record<string, SecurityScheme>;
  };
  security?: SecurityRequirement[];
}

export interface Operation {
  id: string;
  method: string;
  /** The path template, e.g. `/v1/images/{id}`. */
  path: string;
  parameters: Parameter[];
  requestBody: { required: boolean; content: Record<string, MediaType> } | undefined;
  /** Alternatives (any one suffices); `[]` or `[{}]` means no credentials are needed. */
  security: SecurityRequirement[];
  responses: Record<string, ResponseObject>;
}

/** A private copy: the validator annotates schema objects, and the module's JSON must stay pristine. */
export const spec = structuredClone(rawSpec) as unknown as OpenApiDocument;

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Follows a local `$ref` (`#/components/...`) to the object it names. */
export function resolvePointer<T>(ref: string): T {
  if (!ref.startsWith("#/")) throw new Error(`Only local $refs are supported, got ${ref}`);
  let node: unknown = spec;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    node = (node as Record<string, unknown> | undefined)?.[key];
    if (node === undefined) throw new Error(`Unresolvable $ref ${ref}`);
  }
  return node as T;
}

/** A schema with its top-level `$ref` chain followed (nested refs stay; callers resolve as they descend). */
export function deref(schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref !== undefined; hops++) {
    if (hops > 32) throw new Error(`$ref cycle at ${current.$ref}`);
    current = resolvePointer<JsonSchema>(current.$ref);
  }
  return current;
}

export const securitySchemes: Record<string, SecurityScheme> = spec.components.securitySchemes ?? {};

/** Every operation in the document, in document order. */
export function operations(): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    const shared = ((item as { parameters?: (Parameter | { $ref: string })[] }).parameters ?? []).map(asParameter);
    for (const method of METHODS) {
      const raw = item[method] as RawOperation | undefined;
      if (!raw) continue;
      const own = (raw.parameters ?? []).map(asParameter);
      // An operation's parameter overrides a path-level one with the same name and location.
      const parameters = [...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)), ...own];
      out.push({
        id: raw.operationId ?? `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters,
        requestBody: raw.requestBody
          ? { required: raw.requestBody.required === true, content: raw.requestBody.content }
          : undefined,
        security: raw.security ?? spec.security ?? [],
        responses: raw.responses,
      });
    }
  }
  return out;
}

function asParameter(p: Parameter | { $ref: string }): Parameter {
  return "$ref" in p ? resolvePointer<Parameter>(p.$ref) : p;
}

/** The security schemes an operation accepts, by name (empty when it needs none). */
export function acceptedSchemes(op: Operation): Map<string, SecurityScheme> {
  const out = new Map<string, SecurityScheme>();
  for (const requirement of op.security) {
    for (const name of Object.keys(requirement)) {
      const scheme = securitySchemes[name];
      if (scheme) out.set(name, scheme);
    }
  }
  return out;
}
