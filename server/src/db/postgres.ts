import pg from 'pg';
import type { Db, Queryable, QueryResult } from './adapter.js';

// Return bigint counts as numbers (our counts stay far below 2^53) and dates as ISO text.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1082, (v) => v);

/** PostgreSQL server through a node-postgres pool. */
export function openPostgres(connectionString: string, maxConnections = 10): Db {
  const pool = new pg.Pool({ connectionString, max: maxConnections, connectionTimeoutMillis: 5000 });
  // An idle client losing its server (database restarted) must not crash the process;
  // the next query gets a fresh connection or fails and the activity retries.
  pool.on('error', () => {});
  const run = async <T>(q: Queryable | pg.Pool | pg.PoolClient, sql: string, params?: unknown[]): Promise<QueryResult<T>> => {
    const r = await (q as pg.Pool).query(sql, params as unknown[]);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
  };
  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async transaction(fn) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn({ query: (sql, params) => run(client, sql, params) });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try { await client.query('ROLLBACK'); } catch { broken = true; }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
    // A dedicated connection: LISTEN belongs to a session, which a pooled client is not.
    async listen(channel, onNotify) {
      const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
      client.on('error', () => {});
      client.on('notification', (n) => { if (n.channel === channel) onNotify(); });
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return () => client.end();
    },
  };
}
