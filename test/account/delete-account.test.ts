import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loginRoute as login } from "../../src/auth/auth.routes";
import { deleteAccountRoute as deleteAccount, getMeRoute as getMe } from "../../src/auth/me.routes";
import { getImageRoute as getImage } from "../../src/images/images.routes";
import { sha256Hex } from "../../src/lib/encoding";
import { call, newClient, STRONG_PASSWORD, signedInClient } from "../helpers/client";
import { expectContract } from "../helpers/contract";
import { bearer, listObjectKeys, uniqueImage, uploadLabelled } from "../helpers/images";

/** Every row of every table (FTS5 shadow tables aside) that mentions one of `needles`. */
async function rowsMentioning(needles: string[]): Promise<string[]> {
  const { results: tables } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'image_search_%' AND name != 'image_search'",
  ).all<{ name: string }>();
  const found: string[] = [];
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    for (const row of results) {
      const text = JSON.stringify(row);
      if (needles.some((needle) => text.includes(needle))) found.push(`${name}: ${text.slice(0, 200)}`);
    }
  }
  return found;
}

/** The tables of the user's library object and their rows, read as they are (without opening the library). */
function libraryContents(userId: string): Promise<Record<string, number>> {
  return runInDurableObject(env.LIBRARY.getByName(userId), (_instance, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
      )
      .toArray();
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`).one().n,
      ]),
    );
  });
}

describe("DELETE /v1/me", () => {
  it("deletes the user and everything of theirs, and nothing of anyone else's", async () => {
    const { client, user, email, tokens } = await signedInClient();
    const other = await signedInClient();
    const images = [
      await uploadLabelled(client, uniqueImage("tiny.png"), [{ label: "GOLDEN RETRIEVER", score: 0.8 }]),
      await uploadLabelled(client, uniqueImage("tiny.jpg"), [{ label: "TABBY", score: 0.6 }]),
    ];
    const theirs = await uploadLabelled(other.client, uniqueImage("tiny.gif"), [{ label: "TABBY", score: 0.7 }]);
    await expectContract(
      login,
      200,
      await newClient().POST("/v1/auth/login", { body: { email, password: STRONG_PASSWORD } }),
    );
    await client.PATCH("/v1/images/{id}/tags", {
      params: { path: { id: images[0]!.id } },
      body: { add: ["birthday"], remove: [] },
    });
    expect((await libraryContents(user.id)).images).toBe(2);

    await expectContract(
      deleteAccount,
      204,
      await call("/v1/me", {
        method: "DELETE",
        headers: { ...bearer(tokens.accessToken), "Content-Type": "application/json" },
        body: JSON.stringify({ password: STRONG_PASSWORD }),
      }),
    );

    expect(await listObjectKeys(user.id)).toEqual([]);
    const needles = [user.id, email, await sha256Hex(email), ...images.map((image) => image.id)];
    expect(await rowsMentioning(needles)).toEqual([]);
    // The library object is empty: not one table left in it.
    expect(await libraryContents(user.id)).toEqual({});
    await expectContract(getMe, 401, await call("/v1/me", { headers: bearer(tokens.accessToken) }));
    await expectContract(
      login,
      401,
      await newClient().POST("/v1/auth/login", { body: { email, password: STRONG_PASSWORD } }),
    );
    // The other user's image, object and search entry are untouched.
    await expectContract(
      getImage,
      200,
      await other.client.GET("/v1/images/{id}", { params: { path: { id: theirs.id } } }),
    );
    expect(await listObjectKeys(other.user.id)).toHaveLength(1);
    expect((await libraryContents(other.user.id)).images).toBe(1);
  });

  it("a wrong password is 403 and deletes nothing", async () => {
    const { client, user, tokens } = await signedInClient();
    await uploadLabelled(client, uniqueImage("tiny.png"), [{ label: "FOX", score: 0.5 }]);
    await expectContract(
      deleteAccount,
      403,
      await call("/v1/me", {
        method: "DELETE",
        headers: { ...bearer(tokens.accessToken), "Content-Type": "application/json" },
        body: JSON.stringify({ password: "not the password" }),
      }),
    );
    expect(await listObjectKeys(user.id)).toHaveLength(1);
    await expectContract(getMe, 200, await call("/v1/me", { headers: bearer(tokens.accessToken) }));
  });
});
