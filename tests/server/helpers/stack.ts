/**
 * A real cryscope stack for integration tests: Temporal dev server (state in a file), a
 * database (throw-away PostgreSQL server, or the embedded PGlite), and the real server
 * processes (API and worker(s) apart with PostgreSQL; one combined process with PGlite).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import type { DetectionBatchV1 } from 'cryscope/protocol';
import { PostgresServer } from '../../../server/src/devstack/postgres.js';
import { sleep, waitFor } from '../../../server/src/devstack/ports.js';
import { ServerProcess } from '../../../server/src/devstack/server-process.js';
import { TemporalDevServer } from '../../../server/src/devstack/temporal.js';

export const TOKENS = {
  'device-a': 'token-device-a-0123456789',
  'device-b': 'token-device-b-0123456789',
  '*': 'token-admin-000-0123456789',
} as const;

export interface StackOptions {
  db: 'postgres' | 'pglite';
  workers?: number;
  /** Extra env for every server process. */
  env?: Record<string, string>;
  /** Extra env for worker processes only. */
  workerEnv?: Record<string, string>;
  /** Script run for worker processes (and the combined PGlite process) instead of main.js. */
  workerEntry?: string;
}

export class Stack {
  readonly tmp = mkdtempSync(join(tmpdir(), 'cryscope-test-'));
  readonly temporal = new TemporalDevServer(join(this.tmp, 'temporal.db'));
  postgres: PostgresServer | null = null;
  api!: ServerProcess;
  workers: ServerProcess[] = [];
  sql: pg.Pool | null = null;
  env: Record<string, string> = {};
  private temporalConn: Connection | null = null;

  constructor(readonly opts: StackOptions) {}

  async start() {
    await this.temporal.start();
    this.env = {
      TEMPORAL_ADDRESS: this.temporal.address,
      CRYSCOPE_API_KEYS: Object.entries(TOKENS).map(([d, t]) => `${d}=${t}`).join(','),
      CRYSCOPE_ACTIVITY_TIMEOUT_S: '5',
      CRYSCOPE_RETRY_MAX_INTERVAL_S: '2',
      CRYSCOPE_STATIC_DIR: join(this.tmp, 'no-static'),
      ...this.opts.env,
    };
    if (this.opts.db === 'postgres') {
      this.postgres = new PostgresServer();
      await this.postgres.init();
      this.env.DATABASE_URL = this.postgres.url;
      this.sql = new pg.Pool({ connectionString: this.postgres.url, max: 2 });
      this.sql.on('error', () => {});
      this.api = new ServerProcess({ role: 'api', env: this.env });
      for (let i = 0; i < (this.opts.workers ?? 1); i++) this.workers.push(this.newWorker());
      // Start one worker first so migrations run once, then the rest in parallel.
      await this.workers[0].start();
      await Promise.all([this.api.start(), ...this.workers.slice(1).map((w) => w.start())]);
    } else {
      this.env.CRYSCOPE_PGLITE_DIR = join(this.tmp, 'pglite');
      this.api = new ServerProcess({ role: 'all', env: { ...this.env, ...this.opts.workerEnv }, entry: this.opts.workerEntry });
      await this.api.start();
    }
    return this;
  }

  newWorker(extraEnv: Record<string, string> = {}) {
    return new ServerProcess({ role: 'worker', env: { ...this.env, ...this.opts.workerEnv, ...extraEnv }, entry: this.opts.workerEntry });
  }

  async stop() {
    await this.sql?.end().catch(() => {});
    await this.temporalConn?.close().catch(() => {});
    for (const p of [this.api, ...this.workers]) await p?.stop().catch(() => {});
    await this.temporal.stop().catch(() => {});
    await this.postgres?.destroy().catch(() => {});
    rmSync(this.tmp, { recursive: true, force: true });
  }

  async temporalClient(): Promise<Client> {
    this.temporalConn ??= await Connection.connect({ address: this.temporal.address });
    return new Client({ connection: this.temporalConn });
  }

  // ---- HTTP helpers ----
  async post(batch: unknown, token: string | null = TOKENS['device-a'], extra: RequestInit = {}) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const body = typeof batch === 'string' ? batch : JSON.stringify(batch);
    const res = await fetch(`${this.api.url}/api/v1/detections`, { method: 'POST', headers, body, ...extra });
    return { status: res.status, body: await res.json().catch(() => null), headers: res.headers };
  }

  /** Posts like a well-behaved client: retries 503 / network errors until accepted (or deadline). */
  async postUntilAccepted(batch: DetectionBatchV1, deadlineMs = 60_000) {
    const end = Date.now() + deadlineMs;
    let unavailable = 0;
    for (;;) {
      try {
        const r = await this.post(batch, TOKENS[batch.deviceId as 'device-a'] ?? TOKENS['device-a']);
        if (r.status === 202) return { unavailable };
        if (r.status !== 503) throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
        unavailable++;
      } catch (err) {
        if ((err as Error).message.startsWith('unexpected')) throw err;
        unavailable++;
      }
      if (Date.now() > end) throw new Error(`batch ${batch.batchId} not accepted within ${deadlineMs} ms`);
      await sleep(250);
    }
  }

  async get(path: string, token: string | null = TOKENS['device-a']) {
    const res = await fetch(`${this.api.url}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    const text = await res.text();
    let body: any = text;
    try { body = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body, headers: res.headers };
  }

  // ---- storage checks (PostgreSQL: straight SQL; PGlite: through the API) ----
  async query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (!this.sql) throw new Error('query() needs the PostgreSQL stack');
    return (await this.sql.query(sql, params)).rows as T[];
  }

  /** How many rows each batch id has in batches, and how many events each has. */
  async storedCounts(ids: string[]) {
    const rows = await this.query<{ batch_id: string; n: number; events: number }>(
      `SELECT b.batch_id::text, count(DISTINCT b.batch_id)::int AS n, count(e.idx)::int AS events
       FROM batches b LEFT JOIN events e USING (device_id, batch_id) WHERE b.batch_id = ANY($1::uuid[]) GROUP BY 1`, [ids]);
    return new Map(rows.map((r) => [r.batch_id, r]));
  }

  /** Waits until every id is stored, then checks each exactly once with all of its events. */
  async expectStoredExactlyOnce(batches: DetectionBatchV1[], timeoutMs = 60_000) {
    const ids = batches.map((b) => b.batchId);
    await waitFor(`${ids.length} batches stored`, async () => (await this.storedCounts(ids)).size === ids.length, timeoutMs, 250);
    const counts = await this.storedCounts(ids);
    const wrong = batches.filter((b) => counts.get(b.batchId)?.events !== b.events.length);
    if (wrong.length) throw new Error(`batches with wrong event counts: ${wrong.map((b) => b.batchId).join(', ')}`);
    const [{ total }] = await this.query<{ total: number }>('SELECT count(*)::int AS total FROM batches WHERE batch_id = ANY($1::uuid[])', [ids]);
    const sessionSums = await this.query<{ n: number }>('SELECT coalesce(sum(batch_count),0)::int AS n FROM sessions');
    const [{ all }] = await this.query<{ all: number }>('SELECT count(*)::int AS all FROM batches');
    if (total !== ids.length) throw new Error(`expected ${ids.length} rows, found ${total}`);
    if (sessionSums[0].n !== all) throw new Error(`session counters ${sessionSums[0].n} disagree with ${all} batch rows`);
  }
}
