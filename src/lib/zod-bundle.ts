/**
 * What the Worker gets for the bare specifier "zod" (wrangler.toml `[alias]`, and vitest.shared.ts); tsc sees the
 * package itself. Every named export is zod's own. Only `z` differs: @hono/zod-openapi does `import { z } from "zod"`
 * and calls extendZodWithOpenApi(z), which reads nothing but `z.ZodType`, and esbuild cannot tree-shake a namespace
 * object passed as a value: zod's whole `z` would keep all of zod in the bundle, its 50 translations of the error
 * messages (zod/v4/locales) included, which the API never shows. So src imports zod as `import * as z from "zod"`
 * (resolved member by member) and never imports a `z` by name (biome: noRestrictedImports); any other use of this `z`
 * throws at startup instead of misbehaving.
 */
import { ZodType } from "zod/v4"; // "zod/v4", not "zod": the alias would point this file at itself

export * from "zod/v4";

export const z = new Proxy({ ZodType } as Record<PropertyKey, unknown>, {
  get(target, key) {
    if (key in target) return target[key];
    throw new Error(`z.${String(key)}: import zod as \`import * as z from "zod"\` (see src/lib/zod-bundle.ts)`);
  },
});
