// A D1Database over better-sqlite3 for the benchmark: enough of the API (prepare/bind/all/first/run/batch) for the
// product's own statements to run unchanged on the local D1 SQLite file. The search bench gives it to the library
// engine, which reads the broader words of new labels from D1's label_terms (lookupLabelWords) as in production.
import { performance } from "node:perf_hooks";

// better-sqlite3 is untyped here: the bench only prepares and runs SQL.
type Statement = {
  reader: boolean;
  all(params: object): unknown[];
  get(params: object): unknown;
  run(params: object): unknown;
};
type Database = { prepare(sql: string): Statement };

export function sqliteD1(db: Database): D1Database {
  const cache = new Map<string, Statement>();
  const statement = (sql: string) => {
    let st = cache.get(sql);
    if (!st) {
      // D1 numbers parameters (?1, ?2, reused freely); better-sqlite3 binds those by name.
      st = db.prepare(sql.replace(/\?(\d+)/g, "@p$1"));
      cache.set(sql, st);
    }
    return st;
  };
  const prepared = (sql: string, params: unknown[]) => {
    const st = statement(sql);
    const named = Object.fromEntries(params.map((value, i) => [`p${i + 1}`, value]));
    const timed = <T>(run: () => T) => {
      const t0 = performance.now();
      const value = run();
      return { value, duration: performance.now() - t0 };
    };
    return {
      bind: (...more: unknown[]) => prepared(sql, more),
      all: async () => {
        const { value, duration } = timed(() => {
          if (st.reader) return st.all(named);
          st.run(named);
          return [];
        });
        return { results: value, success: true, meta: { duration } };
      },
      first: async () => {
        if (st.reader) return st.get(named) ?? null;
        st.run(named);
        return null;
      },
      run: async () => {
        const { duration } = timed(() => (st.reader ? st.all(named) : st.run(named)));
        return { results: [], success: true, meta: { duration } };
      },
    };
  };
  return {
    prepare: (sql: string) => prepared(sql, []),
    batch: async (statements: { all(): Promise<unknown> }[]) => Promise.all(statements.map((s) => s.all())),
  } as unknown as D1Database;
}
