// Integration with the embedded default: one process (API + worker) on PGlite with on-disk
// persistence, on a real Temporal dev server. Data and migrations survive a restart.
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../server/src/devstack/ports.js';
import { ServerProcess } from '../../server/src/devstack/server-process.js';
import { makeBatch } from './helpers/batches.js';
import { Stack } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await new Stack({ db: 'pglite' }).start();
});
afterAll(async () => {
  await stack?.stop();
});

const sessionOf = async (id: string) => (await stack.get(`/api/v1/sessions/${id}`)).body.session;

describe('embedded PGlite', () => {
  it('is ready and reports the embedded database', async () => {
    const r = await stack.get('/readyz', null);
    expect(r.status).toBe(200);
    expect(r.body.database).toEqual({ kind: 'pglite', ok: true });
  });

  it('stores batches exactly once, including duplicates, and answers the queries', async () => {
    const a = makeBatch({ sessionId: 'lite-1' });
    const b = makeBatch({ sessionId: 'lite-1', t0: 10, events: [{ type: 'offset', label: 'scream', start: 11, end: 15, peak: 0.9 }] });
    const posts = await Promise.all([a, a, a, b, b].map((x) => stack.post(x)));
    expect(posts.map((p) => p.status)).toEqual([202, 202, 202, 202, 202]);
    await waitFor('both batches stored', async () => (await sessionOf('lite-1'))?.batches === 2, 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await sessionOf('lite-1')).toMatchObject({ batches: 2, windows: 8, events: 3 });
    const episodes = (await stack.get('/api/v1/sessions/lite-1/episodes')).body.episodes;
    expect(episodes.map((e: any) => `${e.label}@${e.start}`)).toEqual(['cry@0.5', 'scream@11']);
    const stats = (await stack.get('/api/v1/stats')).body.stats;
    expect(stats.find((s: any) => s.label === 'scream')).toMatchObject({ occurrences: 1, totalSeconds: 4, episodes: 1 });
  });

  it('keeps its data across a restart, applying migrations only once', async () => {
    await stack.api.stop();
    // Look inside the data directory while no server owns it.
    const dir = join(stack.tmp, 'pglite');
    let db = await PGlite.create(dir);
    const before = (await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    const batches = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM batches')).rows[0].n;
    await db.close();
    expect(before).toEqual([1, 2]);
    expect(batches).toBe(2);

    stack.api = new ServerProcess({ role: 'all', env: stack.env });
    await stack.api.start();
    expect(await sessionOf('lite-1')).toMatchObject({ batches: 2, events: 3 });
    const c = makeBatch({ sessionId: 'lite-1', t0: 20, events: [] });
    expect((await stack.post(c)).status).toBe(202);
    await waitFor('third batch stored', async () => (await sessionOf('lite-1'))?.batches === 3, 60_000);

    await stack.api.stop();
    db = await PGlite.create(dir);
    const after = (await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    await db.close();
    expect(after).toEqual([1, 2]);
    stack.api = new ServerProcess({ role: 'all', env: stack.env });
    await stack.api.start();
  });

  it('refuses to run API and worker as separate processes on PGlite, with a reason', async () => {
    const p = new ServerProcess({ role: 'worker', env: stack.env });
    await expect(p.start()).rejects.toThrow(/needs DATABASE_URL: the embedded PGlite can only be opened by one process/);
  });
});
