// The in-memory near-duplicate index against the plain definition: every hash within the distance, by hashDistance.
import fc from "fast-check";
import { expect, it } from "vitest";
import { hashDistance, popCount } from "../../../src/images/perceptual-hash";
import { HashIndex } from "../../../src/images/store/hash-index";

const hash = fc
  .tuple(fc.nat(0xffffffff), fc.nat(0xffffffff))
  .map(([a, b]) => [a, b].map((n) => (n >>> 0).toString(16).padStart(8, "0")).join(""));

it("popCount counts the bits of any 32-bit value", () => {
  fc.assert(
    fc.property(fc.nat(0xffffffff), (n) => {
      expect(popCount(n)).toBe([...(n >>> 0).toString(2)].filter((bit) => bit === "1").length);
    }),
  );
});

it("finds exactly the hashes within the distance, nearest first then newest, and forgets removed ones", () => {
  fc.assert(
    fc.property(fc.array(hash, { minLength: 1, maxLength: 60 }), hash, fc.nat(64), (hashes, probe, max) => {
      const rows = hashes.map((phash, i) => ({ id: `img_${i}`, phash }));
      const index = new HashIndex(rows);
      index.remove("img_0");
      const expected = rows
        .slice(1)
        .map((row, i) => ({ id: row.id, distance: hashDistance(probe, row.phash), i }))
        .filter((match) => match.distance <= max)
        .sort((a, b) => a.distance - b.distance || b.i - a.i)
        .map(({ id, distance }) => ({ id, distance }));
      expect(index.near(probe, max, 1000)).toEqual(expected);
    }),
  );
});
