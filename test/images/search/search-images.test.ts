import { describe, expect, it } from "vitest";
import type { ImagifyClient } from "../../../openapi/client";
import { searchImagesRoute as searchImages } from "../../../src/images/images.routes";
import { call, signedInClient } from "../../helpers/client";
import { expectContract } from "../../helpers/contract";
import { bearer, uniqueImage, uploadLabelled } from "../../helpers/images";

async function seed(client: ImagifyClient) {
  const retriever = await uploadLabelled(client, uniqueImage("tiny.jpg"), [
    { label: "GOLDEN RETRIEVER", score: 0.85 },
    { label: "TENNIS BALL", score: 0.1 },
  ]);
  const persian = await uploadLabelled(client, uniqueImage("tiny.png"), [
    { label: "PERSIAN CAT", score: 0.7 },
    { label: "TABBY", score: 0.1 },
  ]);
  const tabby = await uploadLabelled(client, uniqueImage("tiny.gif"), [
    { label: "TABBY", score: 0.9 },
    { label: "TIGER CAT", score: 0.3 },
  ]);
  return { retriever, persian, tabby };
}

function search(
  client: ImagifyClient,
  q: string,
  match?: "all" | "any",
  extra: { limit?: number; cursor?: string } = {},
) {
  return client.GET("/v1/images/search", { params: { query: { q, ...(match ? { match } : {}), ...extra } } });
}

describe("search through the route", () => {
  it("prefix-matches tag words; all and any; results carry a score, best first, with Server-Timing", async () => {
    const { client } = await signedInClient();
    const other = await signedInClient();
    const { retriever, persian, tabby } = await seed(client);
    await seed(other.client);

    const ret = await search(client, "ret");
    const retPage = await expectContract(searchImages, 200, ret);
    expect(retPage.items.map((i) => i.id)).toEqual([retriever.id]);
    expect(retPage.items[0]!.tags.map((t) => t.label)).toEqual(["golden retriever", "tennis ball"]);
    expect(retPage.nextCursor).toBeNull();
    expect(ret.response.headers.get("server-timing")).toMatch(/library;dur=\d/);

    const both = await expectContract(searchImages, 200, await search(client, "gold ret", "all"));
    expect(both.items.map((i) => i.id)).toEqual([retriever.id]);
    const none = await expectContract(searchImages, 200, await search(client, "gold persian", "all"));
    expect(none.items).toEqual([]);

    const any = await expectContract(searchImages, 200, await search(client, "persian tabby", "any"));
    expect(new Set(any.items.map((i) => i.id))).toEqual(new Set([persian.id, tabby.id]));
    expect(any.items).toHaveLength(2);
    for (const item of any.items) expect(typeof item.score).toBe("number");
    const scores = any.items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // The persian image matches both words, the tabby image one: it ranks first.
    expect(any.items[0]!.id).toBe(persian.id);

    // For one word, the higher-confidence tag ranks first.
    const cats = await expectContract(searchImages, 200, await search(client, "tabby"));
    expect(cats.items.map((i) => i.id)).toEqual([tabby.id, persian.id]);
    expect(cats.items[0]!.score).toBeGreaterThanOrEqual(cats.items[1]!.score);
  });

  it("paginates with limit and cursor; a cursor from another query or a garbage cursor is 400", async () => {
    const { client } = await signedInClient();
    const ids: string[] = [];
    for (const name of ["tiny.png", "tiny.gif", "tiny.jpg", "wide.png", "wide.gif"] as const) {
      ids.push((await uploadLabelled(client, uniqueImage(name), [{ label: "MOUNTAIN", score: 0.5 }])).id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await expectContract(
        searchImages,
        200,
        await search(client, "mountain", undefined, cursor ? { limit: 2, cursor } : { limit: 2 }),
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((x) => x.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(new Set(seen).size).toBe(seen.length);

    const first = await expectContract(searchImages, 200, await search(client, "mountain", undefined, { limit: 2 }));
    expect(first.nextCursor).not.toBeNull();
    await expectContract(searchImages, 400, await search(client, "mount", undefined, { cursor: first.nextCursor! }));
    await expectContract(searchImages, 400, await search(client, "mountain", "any", { cursor: first.nextCursor! }));
    await expectContract(searchImages, 400, await search(client, "mountain", undefined, { cursor: "not-a-cursor" }));
    await expectContract(searchImages, 400, await search(client, "mountain", undefined, { limit: 0 }));
  });

  // Each row: the query, the status it must get, and for 200 whether A's "tiger cat" image must be found (true: with
  // match=all and any; "any": only with match=any, because the operator-looking words are searched as plain words).
  const hostile: { q: string; status: 200 | 400; findsCat?: true | "any" }[] = [
    { q: '"cat', status: 200, findsCat: true },
    { q: 'cat"', status: 200, findsCat: true },
    { q: "NEAR(", status: 200 },
    { q: "NEAR(cat tiger, 2)", status: 200, findsCat: "any" },
    { q: "cat OR", status: 200, findsCat: "any" },
    { q: "cat AND NOT", status: 200 },
    { q: "*", status: 400 },
    { q: "cat*", status: 200, findsCat: true },
    { q: "-cat", status: 200, findsCat: true },
    { q: "^cat", status: 200, findsCat: true },
    { q: "tags:x", status: 200 },
    { q: "c4:cat", status: 200, findsCat: "any" },
    { q: "{c4 c3}: cat", status: 200, findsCat: "any" },
    { q: "\u0000cat", status: 200, findsCat: true },
    { q: "\u0001\u0002\u0003\u007f", status: 400 },
    { q: "\t\r\n", status: 400 },
    { q: "'; DROP TABLE images; --", status: 200 },
    { q: "a".repeat(1024), status: 200 },
    { q: "cat ".repeat(256), status: 200, findsCat: true },
    { q: "x".repeat(2048), status: 400 },
    { q: "😺🐈", status: 400 },
    { q: "😺cat", status: 200, findsCat: true },
    { q: "\ud800cat", status: 200, findsCat: true },
    { q: "ＣＡＴ", status: 200, findsCat: true },
    { q: "", status: 400 },
    { q: "   ", status: 400 },
    { q: "()", status: 400 },
  ];
  for (const { q, status, findsCat } of hostile) {
    it(`hostile query ${JSON.stringify(q.length > 40 ? `${q.slice(0, 20)}…(${q.length} chars)` : q)} answers ${status}, never 5xx, never another user's images`, async () => {
      const a = await signedInClient();
      const b = await signedInClient();
      const mine = await uploadLabelled(a.client, uniqueImage("tiny.png"), [
        { label: "TIGER CAT", score: 0.6 },
        { label: "NEAR", score: 0.2 },
        { label: "TAGS", score: 0.1 },
      ]);
      const theirs = await uploadLabelled(b.client, uniqueImage("tiny.png"), [
        { label: "TIGER CAT", score: 0.6 },
        { label: "NEAR", score: 0.2 },
        { label: "TAGS", score: 0.1 },
      ]);
      for (const match of ["all", "any"] as const) {
        const res = await call(`/v1/images/search?${new URLSearchParams({ q, match })}`, {
          headers: bearer(a.tokens.accessToken),
        });
        expect(res.status, `match=${match}`).toBeLessThan(500);
        const body = await expectContract(searchImages, status, res);
        if (status === 200) {
          const page = body as Awaited<ReturnType<typeof expectContract<typeof searchImages, 200>>>;
          const ids = page.items.map((i) => i.id);
          expect(ids).not.toContain(theirs.id);
          for (const id of ids) expect(id).toBe(mine.id);
          if (findsCat === true || findsCat === match) expect(ids, `match=${match}`).toEqual([mine.id]);
        }
      }
    });
  }

  it("an unknown match value is 400", async () => {
    const { tokens } = await signedInClient();
    await expectContract(
      searchImages,
      400,
      await call("/v1/images/search?q=cat&match=some", { headers: bearer(tokens.accessToken) }),
    );
    await expectContract(searchImages, 400, await call("/v1/images/search", { headers: bearer(tokens.accessToken) }));
  });
});
