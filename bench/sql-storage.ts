// A Durable Object's SQLite storage over better-sqlite3, for the benchmark: `sql` (SqlStorage: exec with `?` or
// `?NNN` parameters, cursors with toArray / one / next / raw / the iterator, rowsWritten, databaseSize) and
// `transactionSync`, so the library's own code (library-engine.ts, image-rows.ts, tag-rows.ts, search-index.ts,
// ranked-search.ts) runs unchanged in Node on a library object's .sqlite file. It also keeps the time spent inside
// `exec` (prepare + run + reading the rows), which is what the bench reports as SQL time.
import { performance } from "node:perf_hooks";

// better-sqlite3@12 (a devDependency; v13 segfaults on Node 20), typed here as far as the shim uses it.
type Row = Record<string, SqlStorageValue>;
type Statement = {
  reader: boolean;
  readonly: boolean;
  all(...params: unknown[]): Row[];
  get(...params: unknown[]): Row | undefined;
  run(...params: unknown[]): { changes: number };
  columns(): { name: string }[];
};
export type BetterSqlite = {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  transaction<T>(fn: () => T): () => T;
  pragma(source: string, options?: { simple?: boolean }): unknown;
};

class Cursor<T extends Row> implements SqlStorageCursor<T> {
  private index = 0;
  constructor(
    private readonly rows: T[],
    readonly columnNames: string[],
    readonly rowsWritten: number,
  ) {}
  get rowsRead(): number {
    return this.rows.length; // not what workerd counts (rows scanned); nothing in the product reads it
  }
  next(): { done?: false; value: T } | { done: true; value?: never } {
    return this.index < this.rows.length ? { value: this.rows[this.index++]! } : { done: true };
  }
  toArray(): T[] {
    const rest = this.rows.slice(this.index);
    this.index = this.rows.length;
    return rest;
  }
  one(): T {
    const rest = this.toArray();
    if (rest.length !== 1) {
      throw new Error(
        rest.length === 0
          ? "Expected exactly one result from SQL query, but got no results."
          : "Expected exactly one result from SQL query, but got multiple results.",
      );
    }
    return rest[0]!;
  }
  *raw<U extends SqlStorageValue[]>(): IterableIterator<U> {
    for (const row of this.toArray()) yield this.columnNames.map((name) => row[name]) as U;
  }
  *[Symbol.iterator](): IterableIterator<T> {
    for (let step = this.next(); !step.done; step = this.next()) yield step.value;
  }
}

export interface BenchStorage {
  sql: SqlStorage;
  transactionSync<T>(closure: () => T): T;
  /** What the library engine also touches (an alarm for pending work, deleteAll): no-ops here. */
  getAlarm(): Promise<number | null>;
  setAlarm(at: number): Promise<void>;
  deleteAll(): Promise<void>;
  /** Milliseconds spent inside `sql.exec` since the last `resetClock()`, and how many statements ran. */
  readonly sqlMs: number;
  readonly statements: number;
  resetClock(): void;
}

export function sqlStorage(db: BetterSqlite): BenchStorage {
  // D1 and Durable Objects take `?NNN` (numbered, reusable); better-sqlite3 binds those only by name.
  const prepared = new Map<string, { st: Statement | null; numbered: boolean; columns: string[] }>();
  const totalChanges = db.prepare("SELECT total_changes() AS n");
  const changes = () => totalChanges.all()[0]!.n as number;
  let sqlMs = 0;
  let statements = 0;

  const statement = (query: string) => {
    let entry = prepared.get(query);
    if (!entry) {
      const numbered = /\?\d/.test(query);
      let st: Statement | null = null;
      try {
        st = db.prepare(numbered ? query.replace(/\?(\d+)/g, "@p$1") : query);
      } catch (error) {
        // Several statements in one string (a schema step): SqlStorage runs them all; so does db.exec.
        if (!/more than one statement/.test(String(error))) throw error;
      }
      entry = { st, numbered, columns: st?.reader ? st.columns().map((c) => c.name) : [] };
      prepared.set(query, entry);
    }
    return entry;
  };

  const exec = <T extends Row>(query: string, ...bindings: unknown[]): SqlStorageCursor<T> => {
    const t0 = performance.now();
    try {
      const { st, numbered, columns } = statement(query);
      if (!st) {
        if (bindings.length > 0) throw new Error("bench sql-storage: bindings with several statements");
        db.exec(query);
        return new Cursor<T>([], [], 0);
      }
      const params = numbered ? [Object.fromEntries(bindings.map((value, i) => [`p${i + 1}`, value]))] : bindings;
      if (st.reader && st.readonly) return new Cursor<T>(st.all(...params) as T[], columns, 0);
      if (st.reader) {
        // A write with RETURNING.
        const before = changes();
        const rows = st.all(...params) as T[];
        return new Cursor<T>(rows, columns, changes() - before);
      }
      return new Cursor<T>([], [], st.run(...params).changes);
    } finally {
      sqlMs += performance.now() - t0;
      statements++;
    }
  };

  const sql = {
    exec,
    get databaseSize() {
      return (
        (db.pragma("page_count", { simple: true }) as number) * (db.pragma("page_size", { simple: true }) as number)
      );
    },
  } as unknown as SqlStorage;

  return {
    sql,
    transactionSync: <T>(closure: () => T) => db.transaction(closure)(),
    getAlarm: async () => null,
    setAlarm: async () => {},
    deleteAll: async () => {
      throw new Error("bench sql-storage: deleteAll is not supported");
    },
    get sqlMs() {
      return sqlMs;
    },
    get statements() {
      return statements;
    },
    resetClock() {
      sqlMs = 0;
      statements = 0;
    },
  };
}
