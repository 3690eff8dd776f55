import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getMeRoute as getMe } from "../../src/auth/me.routes";
import * as routes from "../../src/legacy/legacy.routes";
import { atobSafeJson } from "../../src/legacy/legacy-token";
import { fetchWithSettings } from "../helpers/app-with";
import { call, STRONG_PASSWORD, uniqueEmail } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bearer, countImageRows, listObjectKeys, uniqueImage } from "../helpers/images";

const FRONTEND = "http://localhost:5173";
/** What axios sends with every request. */
const AXIOS = { Accept: "application/json, text/plain, */*", Origin: FRONTEND };

function postJson(path: string, body: unknown, headers: HeadersInit = {}) {
  return call(path, {
    method: "POST",
    headers: { ...AXIOS, "Content-Type": "application/json", ...(headers as Record<string, string>) },
    body: JSON.stringify(body),
  });
}

/** As the page does it: `JSON.parse(atob(token.split('.')[1])).sub`. */
function subjectAsThePageReadsIt(token: string): string {
  return JSON.parse(atob(token.split(".")[1]!)).sub;
}

async function registeredAndLoggedIn() {
  const email = uniqueEmail();
  const registered = await expectContract(
    routes.legacyRegisterRoute,
    201,
    await postJson("/api/register", { email, password: STRONG_PASSWORD }),
  );
  expect(registered.success).toBe(true);
  const loggedIn = await expectContract(
    routes.legacyLoginRoute,
    200,
    await postJson("/api/login", { email, password: STRONG_PASSWORD }),
  );
  return { email, token: loggedIn.token, userId: subjectAsThePageReadsIt(loggedIn.token) };
}

function uploadForm(bytes: Uint8Array, userId: string | undefined, name = "holiday.png") {
  const form = new FormData();
  form.append("image", new File([bytes], name, { type: "image/png" }));
  if (userId !== undefined) form.append("userId", userId);
  return form;
}

function upload(token: string, form: FormData) {
  return call("/api/upload", { method: "POST", headers: { ...AXIOS, ...bearer(token) }, body: form });
}

describe("the deprecated /api/* layer, as the deployed frontend uses it", () => {
  it("register → login → decode the token with atob → upload with that userId → images → search by a tag prefix", async () => {
    const { token, userId } = await registeredAndLoggedIn();
    expect(userId).toMatch(/^usr_/);
    const uploaded = await expectContract(
      routes.legacyUploadRoute,
      200,
      await upload(token, uploadForm(uniqueImage("tiny.png"), userId)),
    );
    expect(Array.isArray(uploaded.tags)).toBe(true);
    expect(uploaded.tags.join(", ")).toContain("tabby"); // the Workers AI stand-in's default answer

    const images = await expectContract(
      routes.legacyImagesRoute,
      200,
      await call("/api/images", { headers: { ...AXIOS, ...bearer(token) } }),
    );
    expect(images.images.map((image) => image.filename)).toEqual(["holiday.png"]);
    const found = await expectContract(
      routes.legacySearchRoute,
      200,
      await postJson("/api/search", { query: "tab" }, bearer(token)),
    );
    expect(found.images.map((image) => image.id)).toEqual([images.images[0]!.id]);
    // broad terms too: a tabby is a cat
    const cats = await expectContract(
      routes.legacySearchRoute,
      200,
      await postJson("/api/search", { query: "cat" }, bearer(token)),
    );
    expect(cats.images).toHaveLength(1);
  });

  it("data renders as <img src> and downloads under its original name, with no other header", async () => {
    const { token, userId } = await registeredAndLoggedIn();
    const bytes = uniqueImage("tiny.png");
    const uploaded = await expectContract(
      routes.legacyUploadRoute,
      200,
      await upload(token, uploadForm(bytes, userId, "my cat.png")),
    );
    const file = await call(uploaded.image.data);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("image/png");
    expect(file.headers.get("content-disposition")).toBe(
      `attachment; filename="my cat.png"; filename*=UTF-8''my%20cat.png`,
    );
    expect(file.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
  });

  it("a userId of another user is refused with 403 and nothing is stored", async () => {
    const { token, userId } = await registeredAndLoggedIn();
    const other = await registeredAndLoggedIn();
    const refused = await expectContract(
      routes.legacyUploadRoute,
      403,
      await upload(token, uploadForm(uniqueImage("tiny.png"), other.userId)),
    );
    expect(refused).toEqual({ success: false, error: "You can only upload to your own gallery." });
    expect(await countImageRows(userId)).toBe(0);
    expect(await countImageRows(other.userId)).toBe(0);
    expect(await listObjectKeys(other.userId)).toEqual([]);
  });

  it("another user's token never sees the images", async () => {
    const owner = await registeredAndLoggedIn();
    await expectContract(
      routes.legacyUploadRoute,
      200,
      await upload(owner.token, uploadForm(uniqueImage("tiny.png"), owner.userId)),
    );
    const stranger = await registeredAndLoggedIn();
    const seen = await expectContract(
      routes.legacyImagesRoute,
      200,
      await call("/api/images", { headers: bearer(stranger.token) }),
    );
    expect(seen.images).toEqual([]);
    const searched = await expectContract(
      routes.legacySearchRoute,
      200,
      await postJson("/api/search", { query: "tabby" }, bearer(stranger.token)),
    );
    expect(searched.images).toEqual([]);
  });

  it("tokens do not cross: /v1 tokens are refused on /api, legacy tokens on /v1", async () => {
    const { token } = await registeredAndLoggedIn();
    await expectContract(getMe, 401, await call("/v1/me", { headers: bearer(token) }));
    const v1 = await postJson("/v1/auth/register", { email: uniqueEmail(), password: STRONG_PASSWORD });
    const v1Token = ((await v1.json()) as { tokens: { accessToken: string } }).tokens.accessToken;
    const refused = await expectContract(
      routes.legacyImagesRoute,
      401,
      await call("/api/images", { headers: bearer(v1Token) }),
    );
    expect(refused).toEqual({ success: false, error: "Please log in again." });
  });

  it("a login's session ends with its one-hour token and has no refresh token (the page never refreshes)", async () => {
    const { token, userId } = await registeredAndLoggedIn();
    const { sid, exp } = JSON.parse(atob(token.split(".")[1]!)) as { sid: string; exp: number };
    const session = await env.DB.prepare("SELECT user_id, expires_at FROM sessions WHERE id = ?1")
      .bind(sid)
      .first<{ user_id: string; expires_at: number }>();
    expect(session?.user_id).toBe(userId);
    expect(Math.abs(session!.expires_at - exp * 1000)).toBeLessThan(1000);
    const refreshTokens = await env.DB.prepare("SELECT count(*) AS n FROM refresh_tokens WHERE session_id = ?1")
      .bind(sid)
      .first<{ n: number }>();
    expect(refreshTokens?.n).toBe(0);
  });

  it("the token's payload segment is atob-safe whatever its claims hold, and private data stays out", async () => {
    const { token } = await registeredAndLoggedIn();
    const payloadSegment = token.split(".")[1]!;
    expect(payloadSegment).not.toMatch(/[-_]/);
    expect(Object.keys(JSON.parse(atob(payloadSegment))).sort()).toEqual(["aud", "exp", "iat", "iss", "sid", "sub"]);
    // Claims whose plain base64url would contain - or _ (a byte > ? or ~ at the third place of a 3-byte group):
    let plainHadThem = 0;
    for (const sub of ["?", "a?", "aa?", ">", "a>", "aa>", "~", "a~", "aa~", "x>>>???~~~"]) {
      const encode = (json: string) => btoa(json).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
      if (/[-_]/.test(encode(JSON.stringify({ sub })))) plainHadThem++;
      const safe = encode(atobSafeJson({ sub }));
      expect(safe).not.toMatch(/[-_]/);
      expect(JSON.parse(atob(safe)).sub).toBe(sub);
    }
    expect(plainHadThem).toBeGreaterThan(2);
  });

  it("errors are { success: false, error } with the right status; no stack, no driver text", async () => {
    const email = uniqueEmail();
    await postJson("/api/register", { email, password: STRONG_PASSWORD });
    const duplicate = await expectContract(
      routes.legacyRegisterRoute,
      409,
      await postJson("/api/register", { email, password: STRONG_PASSWORD }),
    );
    expect(duplicate).toEqual({ success: false, error: "An account with this email already exists." });
    const wrong = await expectContract(
      routes.legacyLoginRoute,
      401,
      await postJson("/api/login", { email, password: "not it" }),
    );
    expect(wrong).toEqual({ success: false, error: "Invalid email or password." });
    const invalid = await expectContract(routes.legacyLoginRoute, 400, await postJson("/api/login", { email: "nope" }));
    expect(invalid.success).toBe(false);
    const noToken = await expectContract(routes.legacyImagesRoute, 401, await call("/api/images"));
    expect(noToken.error).toBe("Please log in again.");
  });

  it("CORS: the frontend's preflights pass for all five paths; other origins get no grant", async () => {
    for (const [path, method] of [
      ["/api/register", "POST"],
      ["/api/login", "POST"],
      ["/api/upload", "POST"],
      ["/api/images", "GET"],
      ["/api/search", "POST"],
    ] as const) {
      const preflight = await call(path, {
        method: "OPTIONS",
        headers: {
          Origin: FRONTEND,
          "Access-Control-Request-Method": method,
          "Access-Control-Request-Headers": "content-type,authorization",
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe(FRONTEND);
      expect(preflight.headers.get("access-control-allow-methods")).toBe("GET,POST,OPTIONS");
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toBe("content-type,authorization");
      expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    }
    const evil = await call("/api/images", {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "GET" },
    });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("deprecation is visible: Deprecation, Sunset and a Link to the /v1 successor on every answer", async () => {
    const response = await postJson("/api/login", { email: uniqueEmail(), password: "whatever at all" });
    expect(response.headers.get("deprecation")).toMatch(/^@\d+$/);
    expect(response.headers.get("sunset")).toBe("Wed, 30 Jun 2027 00:00:00 GMT");
    expect(response.headers.get("link")).toBe('<http://api.imagify.test/v1/auth/login>; rel="successor-version"');
  });

  it("switched off, the layer answers 410 Gone pointing to /v1", async () => {
    const gone = await fetchWithSettings(new Request("http://api.imagify.test/api/images", { headers: { ...AXIOS } }), {
      LEGACY_API: "off",
    });
    const body = await expectContract(routes.legacyImagesRoute, 410, gone);
    expect(body.error).toMatch(/\/v1/);
  });
});
