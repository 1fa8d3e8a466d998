// Set-based group storage (server/src/store/batch-group.ts) against the per-batch path it
// replaces, on embedded PGlite and on a real PostgreSQL (same SQL): same results, same rows,
// the first occurrence wins, and a batch the database refuses is rejected alone through the
// per-batch fallback of the storeBatches activity.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DetectionBatchV1 } from 'cryscope/protocol';
import type { Db } from '../../server/src/db/adapter.js';
import { openPglite } from '../../server/src/db/pglite.js';
import { openPostgres } from '../../server/src/db/postgres.js';
import { PostgresServer } from '../../server/src/devstack/postgres.js';
import { migrate } from '../../server/src/db/migrate.js';
import type { StoreOptions } from '../../server/src/store/batches.js';
import { storeBatch, storeBatchGroup } from '../../server/src/store/batch-group.js';
import { createActivities } from '../../server/src/temporal/activities.js';
import type { ServerConfig } from '../../server/src/config.js';
import { makeBatch } from './helpers/batches.js';

// Activities log through the Temporal activity context, which does not exist outside a worker.
vi.mock('@temporalio/activity', async (orig) => ({
  ...(await orig<typeof import('@temporalio/activity')>()),
  log: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, trace: () => {} },
}));

const opts: StoreOptions = { episodeMinSeconds: 3, storedBy: 'test-worker' };

/** Two empty, migrated databases of one kind: one for the per-batch path, one for the group path. */
async function openPair(kind: 'pglite' | 'postgres') {
  const closers: (() => Promise<void>)[] = [];
  const open = async (name: string): Promise<Db> => {
    let db: Db;
    if (kind === 'pglite') {
      const dir = mkdtempSync(join(tmpdir(), 'cryscope-group-'));
      db = await openPglite(join(dir, name));
      closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    } else {
      const pg = new PostgresServer();
      await pg.init();
      db = openPostgres(pg.url, 4);
      closers.push(() => pg.destroy());
    }
    closers.unshift(() => db.close());
    await migrate(db);
    return db;
  };
  const pair = { perBatch: await open('per-batch'), grouped: await open('grouped') };
  return { ...pair, close: async () => { for (const c of closers) await c(); } };
}

/** Every stored row, without the columns that hold the wall-clock time of storing. */
async function dump(db: Db) {
  const q = async (sql: string) => (await db.query(sql)).rows;
  return {
    sessions: await q(`SELECT device_id, session_id, started_at, batch_count, window_count, event_count, last_time_s FROM sessions ORDER BY 1, 2`),
    batches: await q(`SELECT batch_id, device_id, session_id, source, sent_at, stored_by, models, windows, window_count, event_count FROM batches ORDER BY 1`),
    events: await q(`SELECT * FROM events ORDER BY batch_id, idx`),
    episodes: await q(`SELECT * FROM episodes ORDER BY device_id, session_id, label, start_s`),
  };
}

async function storeBoth(group: DetectionBatchV1[]) {
  const expected = [];
  for (const b of group) expected.push(await storeBatch(perBatch, b, opts));
  const actual = await storeBatchGroup(grouped, group, opts);
  expect(actual).toEqual(expected);
  return actual;
}

// The pair of databases of the kind under test (assigned by describe.each's beforeAll).
let perBatch: Db;
let grouped: Db;

describe.each(['pglite', 'postgres'] as const)('%s', (kind) => {
  let close = async () => {};
  beforeAll(async () => {
    ({ perBatch, grouped, close } = await openPair(kind));
  });
  afterAll(() => close());

  describe('set-based group storage', () => {
    const a = makeBatch({ sessionId: 'g-1' });
    // Same session, its own episode; then one whose offset repeats b's episode key (same start).
    const b = makeBatch({ sessionId: 'g-1', t0: 10, events: [{ type: 'offset', label: 'scream', start: 11, end: 15, peak: 0.9 }] });
    const c = makeBatch({ sessionId: 'g-2', deviceId: 'device-b', windows: 7, events: [] });
    const d = makeBatch({ sessionId: 'g-1', t0: 20, events: [{ type: 'offset', label: 'scream', start: 11, end: 16, peak: 0.5, mean: 0.4 }] });
    const e = makeBatch({ sessionId: 'g-3', t0: 5, sessionStartedAt: '2026-03-02T10:00:00.000Z' });

    it('stores a group with in-group duplicates (any uuid case) exactly once, as storeBatch would', async () => {
      const r = await storeBoth([a, b, c, { ...a }, { ...b, batchId: b.batchId.toUpperCase() }]);
      expect(r.map((x) => x.stored)).toEqual([true, true, true, false, false]);
      expect(r.map((x) => x.episodes)).toEqual([1, 1, 0, 0, 0]);
    });

    it('a retried group writes nothing; an episode key already stored is not added twice', async () => {
      const r = await storeBoth([d, a, e, c]);
      expect(r.map((x) => x.stored)).toEqual([true, false, true, false]);
      expect(r[0]).toEqual({ stored: true, events: 1, episodes: 0 });
    });

    it('an episode key produced twice in one group goes to the first batch', async () => {
      const f = makeBatch({ sessionId: 'g-4', events: [{ type: 'offset', label: 'cry', start: 1, end: 9, peak: 0.7 }] });
      const g = makeBatch({ sessionId: 'g-4', t0: 3, events: [{ type: 'offset', label: 'cry', start: 1, end: 8, peak: 0.6 }] });
      const r = await storeBoth([f, g]);
      expect(r.map((x) => x.episodes)).toEqual([1, 0]);
    });

    it('leaves the same rows, counters included, as the per-batch path', async () => {
      expect(await dump(grouped)).toEqual(await dump(perBatch));
      const [g1] = (await grouped.query(`SELECT batch_count, window_count, event_count, last_time_s FROM sessions WHERE session_id = 'g-1'`)).rows;
      expect(g1).toEqual({ batch_count: 3, window_count: 12, event_count: 4, last_time_s: 22.475 });
    });

    // What the API's admission refuses with 409 but could not check (database down at admission).
    it('a key stored with other content, in or across groups, is rejected into dead_letters; the stored copy stays', async () => {
      const h = makeBatch({ sessionId: 'dl-1' });
      const hOther = { ...h, windows: h.windows.slice(2) };
      const hRetry = { ...h, sentAt: '2030-01-01T00:00:00.000Z', batchId: h.batchId.toUpperCase() };
      const r = await storeBatchGroup(grouped, [h, hOther, hRetry], opts);
      expect(r.map((x) => [x.stored, x.rejected])).toEqual([[true, undefined], [false, expect.stringMatching(/already stored with different content/)], [false, undefined]]);
      const later = await storeBatchGroup(grouped, [hOther], opts);
      expect(later[0].rejected).toMatch(/different content/);
      const rows = (await grouped.query<{ window_count: number }>(`SELECT window_count FROM batches WHERE session_id = 'dl-1'`)).rows;
      expect(rows).toEqual([{ window_count: 4 }]);
      expect((await grouped.query(`SELECT reason FROM dead_letters WHERE session_id = 'dl-1'`)).rows).toHaveLength(1);
    });

    it('a batch contradicting its stored session start is rejected into dead_letters; the same instant written otherwise is not', async () => {
      const first = makeBatch({ sessionId: 'dl-2', sessionStartedAt: '2026-03-01T10:00:00.000Z' });
      const sameInstant = makeBatch({ sessionId: 'dl-2', t0: 10, sessionStartedAt: '2026-03-01T12:00:00+02:00' });
      const other = makeBatch({ sessionId: 'dl-2', t0: 20, sessionStartedAt: '2026-03-01T10:00:01.000Z' });
      const r = await storeBatchGroup(grouped, [first, sameInstant, other], opts);
      expect(r.map((x) => x.stored)).toEqual([true, true, false]);
      expect(r[2].rejected).toMatch(/contradicts the stored start 2026-03-01T10:00:00.000Z/);
      const [s] = (await grouped.query<{ batch_count: number }>(`SELECT batch_count FROM sessions WHERE session_id = 'dl-2'`)).rows;
      expect(s.batch_count).toBe(2);
      const dead = (await grouped.query<{ batch_id: string }>(`SELECT batch_id::text FROM dead_letters WHERE session_id = 'dl-2'`)).rows;
      expect(dead).toEqual([{ batch_id: other.batchId }]);
    });

    // Issue #14: device state reports stored with their batch (migration 005).
    it('keeps the latest device state report per device: latest since wins in and across groups; dead letters and duplicates change nothing', async () => {
      const state = async (device: string) => (await grouped.query<{ state: string; reasons: string[]; since: Date }>(
        'SELECT state, reasons, since FROM device_states WHERE device_id = $1', [device])).rows.map((r) => [r.state, r.reasons, new Date(r.since).toISOString()]);
      const at = (s: number) => new Date(Date.parse('2026-03-05T10:00:00Z') + s * 1000).toISOString();
      const beat = (sessionId: string, device: DetectionBatchV1['device'], deviceId = 'device-a') =>
        ({ ...makeBatch({ sessionId, deviceId, windows: 0, events: [] }), device });
      const p1 = beat('ds-1', { state: 'paused', since: at(1) });
      const d2 = beat('ds-1', { state: 'degraded', reasons: ['microphone-ended', 'model-fallback'], since: at(2) });
      const l0 = beat('ds-1', { state: 'listening', since: at(0) });
      const other = beat('ds-9', { state: 'listening', since: at(5) }, 'device-b');
      // In one group, out of order: the latest since (d2) wins whatever the order.
      await storeBatchGroup(grouped, [p1, d2, l0, other], opts);
      expect(await state('device-a')).toEqual([['degraded', ['microphone-ended', 'model-fallback'], at(2)]]);
      expect(await state('device-b')).toEqual([['listening', [], at(5)]]);
      // An older report in a later group (an outbox retry) does not replace it; a newer one does.
      await storeBatchGroup(grouped, [beat('ds-1', { state: 'listening', since: at(1.5) })], opts);
      expect((await state('device-a'))[0][0]).toBe('degraded');
      // A duplicate of a stored batch and dead-lettered batches (its key with another report; a
      // contradicting session start) change nothing, though their reports are newer.
      const wrongStart = { ...beat('ds-1', { state: 'paused', since: at(9) }), sessionStartedAt: '2026-03-01T00:00:00.000Z' };
      const r = await storeBatchGroup(grouped, [{ ...p1 }, { ...p1, device: { state: 'paused', since: at(8) } }, wrongStart], opts);
      expect(r.map((x) => [x.stored, Boolean(x.rejected)])).toEqual([[false, false], [false, true], [false, true]]);
      expect((await state('device-a'))[0][0]).toBe('degraded');
      await storeBatchGroup(grouped, [beat('ds-1', { state: 'listening', since: at(3) })], opts);
      expect(await state('device-a')).toEqual([['listening', [], at(3)]]);
    });

    it('an empty group is a no-op', async () => {
      expect(await storeBatchGroup(grouped, [], opts)).toEqual([]);
    });
  });

  describe('storeBatches activity', () => {
    const config = { episodeMinSeconds: 3 } as ServerConfig;

    it('rejects only the batch the database refuses (per-batch fallback), stores the rest once', async () => {
      const acts = createActivities({ db: grouped, config, identity: 'test-worker' });
      const good1 = makeBatch({ sessionId: 'fb-1' });
      // peak > 1 violates a CHECK constraint (SQLSTATE 23514): permanent, never retried.
      const bad = makeBatch({ sessionId: 'fb-1', t0: 10, events: [{ type: 'onset', label: 'cry', start: 10, peak: 2 }] });
      const good2 = makeBatch({ sessionId: 'fb-2' });
      const first = await acts.storeBatches([good1, bad, good2], 'browser');
      expect(first.results.map((r) => [r.batchId, r.stored, Boolean(r.rejected)])).toEqual([
        [good1.batchId, true, false], [bad.batchId, false, true], [good2.batchId, true, false],
      ]);
      expect(first.results[1].rejected).toMatch(/check constraint/);
      const again = await acts.storeBatches([good1, bad, good2], 'browser');
      expect(again.results.map((r) => [r.stored, Boolean(r.rejected)])).toEqual([[false, false], [false, true], [false, false]]);
      const { rows } = await grouped.query<{ n: number }>(`SELECT count(*)::int AS n FROM batches WHERE session_id IN ('fb-1', 'fb-2')`);
      expect(rows[0].n).toBe(2);      // Not only a log line: a dead letter with the reason, once however often it is retried.
      const dead = await grouped.query<{ batch_id: string; reason: string; batch: string }>(`SELECT batch_id::text, reason, batch FROM dead_letters WHERE session_id = 'fb-1'`);
      expect(dead.rows).toHaveLength(1);
      expect(dead.rows[0]).toMatchObject({ batch_id: bad.batchId });
      expect(dead.rows[0].reason).toMatch(/SQLSTATE 23514.*check constraint/);
      expect(JSON.parse(dead.rows[0].batch)).toEqual(bad);
    });

    it('stores a clean group in one go and reports per batch', async () => {
      const acts = createActivities({ db: grouped, config, identity: 'test-worker' });
      const group = [makeBatch({ sessionId: 'ok-1' }), makeBatch({ sessionId: 'ok-1', t0: 10 })];
      const r = await acts.storeBatches(group, 'clip');
      expect(r.results).toEqual(group.map((b) => ({ deviceId: b.deviceId, batchId: b.batchId, stored: true, events: 2, episodes: 1 })));
      expect(r.alertsConfigured).toBe(false);
    });
  });
});
