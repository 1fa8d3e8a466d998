import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Db, QueryResult } from './adapter.js';

type Q = { query: (sql: string, params?: unknown[]) => Promise<{ rows: unknown[]; affectedRows?: number }> };

/**
 * Embedded PGlite with on-disk persistence in `dataDir`. One process owns the directory,
 * so in embedded mode the API and the worker run in the same process (see main.ts).
 */
export async function openPglite(dataDir: string): Promise<Db> {
  mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const run = async <T>(q: Q, sql: string, params?: unknown[]): Promise<QueryResult<T>> => {
    const r = await q.query(sql, params);
    return { rows: r.rows as T[], rowCount: r.affectedRows || r.rows.length };
  };
  return {
    kind: 'pglite',
    query: (sql, params) => run(db as unknown as Q, sql, params),
    // PGlite serialises transactions itself; the callback's queries run inside BEGIN/COMMIT.
    transaction: (fn) => db.transaction((tx) => fn({ query: (sql, params) => run(tx as unknown as Q, sql, params) })),
    close: () => db.close(),
    listen: (channel, onNotify) => db.listen(channel, () => onNotify()),
  };
}
