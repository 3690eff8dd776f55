// A library's perceptual hashes in its object's memory, for near-duplicate lookups (the library engine's `lookalikes`).
// SQLite has no popcount, and reading and parsing every hash per lookup cost ~240 ms at 100k images
// (bench/search.ts); here a lookup is a loop over two typed arrays. Built from the table on first use, then kept in
// step by the engine as images come and go; an object that restarts builds it again.
import { hashHalves, popCount } from "../perceptual-hash";

export class HashIndex {
  private ids: (string | null)[] = [];
  private high = new Uint32Array(1024);
  private low = new Uint32Array(1024);
  private readonly at = new Map<string, number>();

  constructor(rows: Iterable<{ id: string; phash: string }>) {
    for (const row of rows) this.add(row.id, row.phash);
  }

  add(id: string, phash: string): void {
    this.remove(id);
    const i = this.ids.length;
    if (i === this.high.length) {
      this.high = grow(this.high);
      this.low = grow(this.low);
    }
    [this.high[i], this.low[i]] = hashHalves(phash);
    this.ids.push(id);
    this.at.set(id, i);
  }

  remove(id: string): void {
    const i = this.at.get(id);
    if (i === undefined) return;
    this.ids[i] = null;
    this.at.delete(id);
  }

  /** The images whose hash is at most `maxDistance` bits from `phash`, nearest first (then newest), at most `limit`. */
  near(phash: string, maxDistance: number, limit: number): { id: string; distance: number }[] {
    const [high, low] = hashHalves(phash);
    const found: { id: string; distance: number; i: number }[] = [];
    for (let i = 0; i < this.ids.length; i++) {
      const id = this.ids[i];
      if (id == null) continue;
      const distance = popCount(this.high[i]! ^ high) + popCount(this.low[i]! ^ low);
      if (distance <= maxDistance) found.push({ id, distance, i });
    }
    return found
      .sort((a, b) => a.distance - b.distance || b.i - a.i)
      .slice(0, limit)
      .map(({ id, distance }) => ({ id, distance }));
  }
}

function grow(array: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> {
  const bigger = new Uint32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
