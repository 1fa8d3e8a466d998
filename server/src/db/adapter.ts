/**
 * The tiny database adapter: one interface over node-postgres (PostgreSQL server) and
 * PGlite (embedded Postgres in WASM), so every query is the same SQL on both.
 */
export interface QueryResult<T> {
  rows: T[];
  /** Rows inserted/updated/deleted (or returned, for SELECT). */
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn in one transaction: commits if it resolves, rolls back if it throws (no half-records). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Calls onNotify on every NOTIFY on `channel` (from any process on PostgreSQL; this process
   * on PGlite). Resolves once listening; the returned function stops. A hint only: a dropped
   * listening connection is not re-established, so readers must still poll.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
}
