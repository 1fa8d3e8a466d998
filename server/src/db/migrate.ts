import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../config.js';
import type { Db } from './adapter.js';

export const MIGRATIONS_DIR = join(REPO_ROOT, 'server', 'migrations');

/** Arbitrary constant key for the advisory lock that serialises migrating processes. */
const LOCK_KEY = 727_270_001;

/**
 * Applies server/migrations/NNN_name.sql in order, each once, each in its own transaction
 * together with its row in schema_migrations. Several processes may start at once (API and
 * workers on one PostgreSQL): a transaction-scoped advisory lock lets one migrate at a time.
 */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<number[]> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const files = readdirSync(dir).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  const applied: number[] = [];
  for (const file of files) {
    const version = Number.parseInt(file, 10);
    const sql = readFileSync(join(dir, file), 'utf8');
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [version]);
      if (done.rows.length) return;
      // Statements separated by ";\n" (see splitSql) so each runs as one query on both drivers.
      for (const stmt of splitSql(sql)) await tx.query(stmt);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, file]);
      applied.push(version);
    });
  }
  return applied;
}

/**
 * Splits a migration into statements at ";" + newline, except inside dollar-quoted bodies
 * ($$ ... $$, e.g. a plpgsql function), whose own statements end the same way.
 */
export function splitSql(sql: string): string[] {
  const parts = sql.split('$$');
  const statements: string[] = [];
  let current = '';
  parts.forEach((part, i) => {
    if (i % 2 === 1) { current += `$$${part}$$`; return; }
    const pieces = part.split(/;\s*\n/);
    current += pieces[0];
    for (const piece of pieces.slice(1)) {
      statements.push(current);
      current = piece;
    }
  });
  statements.push(current);
  return statements.map((s) => s.replace(/^\s*--.*$/gm, '').trim()).filter(Boolean);
}
