import type { z } from "@hono/zod-openapi";

/** A required JSON request body (zod-openapi leaves bodies optional unless told, and the SDK would follow). */
export function jsonBody<T extends z.ZodType>(schema: T, example?: z.input<T>) {
  return {
    required: true,
    content: { "application/json": { schema, ...(example === undefined ? {} : { example }) } },
  } as const;
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}
