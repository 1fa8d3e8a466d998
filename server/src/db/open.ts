import type { ServerConfig } from '../config.js';
import type { Db } from './adapter.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

/** Opens PostgreSQL when DATABASE_URL is configured, else the embedded PGlite; applies migrations. */
export async function openDatabase(config: ServerConfig): Promise<Db> {
  const db = config.databaseUrl ? openPostgres(config.databaseUrl) : await openPglite(config.pgliteDir);
  await migrate(db);
  return db;
}
