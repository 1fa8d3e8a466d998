/**
 * Runs the server in this process: the API, the worker or both (--role, see main.ts), and
 * stops it cleanly on SIGINT/SIGTERM. main.ts is the production entry; a test harness may run
 * the same server with options of its own (tests/server/helpers/hold-worker.mjs).
 */
import { loadConfig } from './config.js';
import { openDatabase } from './db/open.js';
import { buildApp } from './http/app.js';
import { IngestClient } from './temporal/client.js';
import { admitBatches } from './store/admission.js';
import { createWorker, type WorkerOptions } from './temporal/worker.js';

type Role = 'all' | 'api' | 'worker';

export interface ServeOptions {
  /** Options of the worker (roles all and worker). */
  worker?: WorkerOptions;
}

function parseRole(argv: string[]): Role {
  const i = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  const value = i < 0 ? process.env.CRYSCOPE_ROLE ?? 'all' : argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  if (value !== 'all' && value !== 'api' && value !== 'worker') throw new Error(`--role must be all, api or worker (got "${value}")`);
  return value;
}

async function serve(argv: string[], options: ServeOptions) {
  const role = parseRole(argv);
  const config = loadConfig();
  if (!config.databaseUrl && role !== 'all') {
    throw new Error(`--role ${role} needs DATABASE_URL: the embedded PGlite can only be opened by one process, use --role all`);
  }
  const db = await openDatabase(config);
  const stops: (() => Promise<unknown>)[] = [];
  let workerRun: Promise<void> | null = null;

  if (role !== 'api') {
    const { worker, connection, identity } = await createWorker(config, db, options.worker);
    workerRun = worker.run();
    stops.push(async () => {
      // The Temporal runtime also reacts to SIGINT/SIGTERM by itself; shut down only if still running.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
      await connection.close();
    });
    console.log(`worker ready: identity=${identity} taskQueue=${config.taskQueue} temporal=${config.temporalAddress} db=${db.kind}`);
  }
  if (role !== 'worker') {
    if (Object.keys(config.apiKeys).length === 0) console.warn('warning: no API keys configured (CRYSCOPE_API_KEYS); every POST will be refused');
    const ingest = new IngestClient(config, (items) => admitBatches(db, items));
    const app = await buildApp({ config, db, ingest });
    await app.listen({ host: config.host, port: config.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    stops.unshift(async () => { await app.close(); await ingest.close(); });
    console.log(`api listening: http://${config.host}:${port} db=${db.kind}`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    for (const s of stops) await s().catch((err) => console.error('shutdown:', err));
    await db.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // A worker that dies (e.g. cannot reach Temporal for too long) takes the process down so a
  // supervisor restarts it, rather than leaving an API with no worker behind it.
  workerRun?.catch((err) => { console.error('worker failed:', err); process.exit(1); });
}

/** Runs the server with the role named on the command line (or CRYSCOPE_ROLE); exits 1 if it cannot start. */
export function runServer(options: ServeOptions = {}) {
  serve(process.argv.slice(2), options).catch((err) => {
    console.error(`cryscope server failed to start: ${(err as Error).message}`);
    process.exit(1);
  });
}
