import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

const HSTS = "max-age=31536000; includeSubDomains";

/** JSON API responses: nothing in them may load or frame anything. */
const apiHeaders = secureHeaders({
  strictTransportSecurity: HSTS,
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  crossOriginResourcePolicy: "same-site",
});

/** Image files: embeddable by the frontend on another origin, but inert if opened directly (sandboxed). */
const fileHeaders = secureHeaders({
  strictTransportSecurity: HSTS,
  contentSecurityPolicy: { defaultSrc: ["'none'"], sandbox: [] },
  crossOriginResourcePolicy: "cross-origin",
});

/** The Scalar reference page: its own bundle and inline bootstrap, and fetches of /doc. */
const referenceHeaders = secureHeaders({
  strictTransportSecurity: HSTS,
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", "'unsafe-inline'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:"],
    fontSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
  },
});

const IMAGE_FILE_PATH = /^\/v1\/images\/[^/]+\/file$/;

export const securityHeaders: MiddlewareHandler = (c, next) => {
  if (c.req.path === "/reference") return referenceHeaders(c, next);
  if (IMAGE_FILE_PATH.test(c.req.path)) return fileHeaders(c, next);
  return apiHeaders(c, next);
};
