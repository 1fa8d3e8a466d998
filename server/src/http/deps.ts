import type { ServerConfig } from '../config.js';
import type { Db } from '../db/adapter.js';
import type { IngestClient } from '../temporal/client.js';

/**
 * What the HTTP API needs from the process: built by main, passed to buildApp (app.ts) and by
 * it to each route module (routes/*.ts). Its own module so routes never import app.ts.
 */
export interface AppDeps {
  config: ServerConfig;
  db: Db;
  ingest: IngestClient;
}
