import { describe, expect, it } from "vitest";
import { MAX_TOKENS, parseSearchQuery, toFtsMatch } from "../../../src/images/search/search-query";

describe("parseSearchQuery", () => {
  it.each([
    ["golden retriever", ["golden", "retriever"]],
    ["  Golden   RETRIEVER ", ["golden", "retriever"]],
    ['"cat', ["cat"]],
    ["NEAR(", ["near"]],
    ["NEAR(cat dog)", ["near", "cat", "dog"]],
    ["cat OR", ["cat", "or"]],
    ["*", []],
    ["-cat", ["cat"]],
    ["tags:x", ["tags", "x"]],
    ["^cat", ["cat"]],
    ['cat"dog', ["cat", "dog"]],
    ["\u0000cat", ["cat"]],
    ["\u0001\u0007\u001b[31mcat\u007f", ["31mcat"]],
    ["tiger-cat", ["tiger", "cat"]],
    ["café", ["café"]],
    ["🐱 cat 🐶", ["cat"]],
    ["🐱🐶", []],
    ["", []],
    ["   \t\n ", []],
    ["'; DROP TABLE images; --", ["drop", "table", "images"]],
    ["cat cat CAT", ["cat"]],
  ])("%j → %j", (q, tokens) => {
    expect(parseSearchQuery(q)).toEqual(tokens);
  });

  it("caps tokens and length", () => {
    const many = Array.from({ length: 50 }, (_, i) => `w${i}`).join(" ");
    expect(parseSearchQuery(many)).toHaveLength(MAX_TOKENS);
    expect(parseSearchQuery("a".repeat(5000))[0]).toHaveLength(64);
    expect(() => parseSearchQuery("\uD83D".repeat(600))).not.toThrow();
  });

  it("quotes every token as a prefix", () => {
    expect(toFtsMatch(["gold", "ret"], "all")).toBe('"gold"* AND "ret"*');
    expect(toFtsMatch(["gold", 'a"b'], "any")).toBe('"gold"* OR "a""b"*');
    expect(toFtsMatch(["gold", "animal"], "all", new Set(["animal"]))).toBe('"gold"* AND "animal"');
  });
});
