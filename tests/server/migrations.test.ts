// Migration 003 (issue #15) on a database that already holds data from 001-002, as an existing
// demo database does, then 004-007 (issue #14: the caregiver feed, device states, "stopped",
// pairing) on top: on embedded PGlite and on a real PostgreSQL, the same SQL.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/adapter.js';
import { MIGRATIONS_DIR, migrate, splitSql } from '../../server/src/db/migrate.js';
import { openPglite } from '../../server/src/db/pglite.js';
import { openPostgres } from '../../server/src/db/postgres.js';
import { PostgresServer } from '../../server/src/devstack/postgres.js';
import { storeBatchGroup } from '../../server/src/store/batch-group.js';
import { admitBatches } from '../../server/src/store/admission.js';
import { feedAfter, publishEvents } from '../../server/src/store/event-feed.js';
import { makeBatch } from './helpers/batches.js';

const LEGACY = '11111111-2222-4333-8444-555555555555';

describe('splitSql', () => {
  it('keeps a dollar-quoted function body, with its own ";\\n", as one statement', () => {
    const sql = "CREATE TABLE t (a int);\n-- note\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND\n$$;\nSELECT 1;\n";
    const parts = splitSql(sql);
    expect(parts).toHaveLength(3);
    expect(parts[1]).toMatch(/^CREATE FUNCTION[\s\S]*RETURN 1;\nEND\n\$\$$/);
  });
});

describe.each(['pglite', 'postgres'] as const)('%s: 003 on a database with data from 001-002', (kind) => {
  let db: Db;
  const cleanup: (() => Promise<void>)[] = [];
  let upTo003 = '';
  beforeAll(async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cryscope-mig-'));
    cleanup.push(async () => rmSync(tmp, { recursive: true, force: true }));
    if (kind === 'pglite') db = await openPglite(join(tmp, 'db'));
    else {
      const pg = new PostgresServer();
      await pg.init();
      cleanup.unshift(() => pg.destroy());
      db = openPostgres(pg.url, 4);
    }
    cleanup.unshift(() => db.close());
    // The schema as it was before this change: only 001 and 002.
    const old = join(tmp, 'old-migrations');
    for (const f of ['001_init.sql', '002_clips.sql']) cpSync(join(MIGRATIONS_DIR, f), join(old, f));
    upTo003 = join(tmp, 'migrations-003');
    for (const f of ['001_init.sql', '002_clips.sql', '003_device_scoped_keys.sql']) cpSync(join(MIGRATIONS_DIR, f), join(upTo003, f));
    expect(await migrate(db, old)).toEqual([1, 2]);
    await db.query(`INSERT INTO sessions (device_id, session_id, started_at, batch_count) VALUES ('device-a', 'old-1', '2026-01-01T00:00:00Z', 1)`);
    await db.query(`INSERT INTO batches (batch_id, device_id, session_id, sent_at, stored_by, models, windows, window_count, event_count)
                    VALUES ($1, 'device-a', 'old-1', now(), 'old-worker', '{}', '[]', 0, 1)`, [LEGACY]);
    await db.query(`INSERT INTO events (batch_id, idx, device_id, session_id, type, label, start_s, end_s, peak) VALUES ($1, 0, 'device-a', 'old-1', 'offset', 'cry', 1, 9, 0.9)`, [LEGACY]);
    await db.query(`INSERT INTO episodes (device_id, session_id, label, start_s, end_s, duration_s, peak, day, started_at, batch_id)
                    VALUES ('device-a', 'old-1', 'cry', 1, 9, 8, 0.9, '2026-01-01', '2026-01-01T00:00:01Z', $1)`, [LEGACY]);
  });
  afterAll(async () => {
    for (const c of cleanup) await c();
  });

  it('applies 003 once, keeping every row and back-filling keys and session starts', async () => {
    expect(await migrate(db, upTo003)).toEqual([3]);
    expect(await migrate(db, upTo003)).toEqual([]);
    const count = async (t: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n;
    expect([await count('batches'), await count('events'), await count('episodes')]).toEqual([1, 1, 1]);
    expect((await db.query(`SELECT device_id, batch_id::text, content_hash, session_id FROM batch_keys`)).rows)
      .toEqual([{ device_id: 'device-a', batch_id: LEGACY, content_hash: null, session_id: 'old-1' }]);
    expect((await db.query(`SELECT device_id, session_id FROM session_starts`)).rows).toEqual([{ device_id: 'device-a', session_id: 'old-1' }]);
    // The new key: (device, batchId).
    const pk = await db.query<{ cols: string }>(
      `SELECT string_agg(a.attname, ',' ORDER BY array_position(c.conkey, a.attnum)) AS cols FROM pg_constraint c
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
       WHERE c.conrelid = 'batches'::regclass AND c.contype = 'p'`);
    expect(pk.rows[0].cols).toBe('device_id,batch_id');
  });

  it('applies 004 once: events stored before it are published (numbered) in storage order; new ones wait for publishEvents', async () => {
    // 005 (device states) adds a table and touches no row; 006 widens its CHECK (stopped); 007 adds the pairing tables
    expect(await migrate(db)).toEqual([4, 5, 6, 7]);
    expect(await migrate(db)).toEqual([]);
    const legacy = await feedAfter(db, null, 0, 10);
    expect(legacy.map((e) => [e.id, e.batchId, e.type, e.at])).toEqual([[1, LEGACY, 'offset', '2026-01-01T00:00:01.000Z']]);
    // Stored but not yet published: not in the feed until publishEvents numbers it.
    const fresh = makeBatch({ sessionId: 'feed-1', sessionStartedAt: '2026-03-01T00:00:00.000Z' });
    await storeBatchGroup(db, [fresh], { episodeMinSeconds: 3, storedBy: 'w' });
    expect(await feedAfter(db, null, 1, 10)).toEqual([]);
    expect(await publishEvents(db, [fresh])).toBe(2);
    expect(await publishEvents(db, [fresh])).toBe(0);
    expect((await feedAfter(db, ['device-a'], 1, 10)).map((e) => [e.id, e.type])).toEqual([[2, 'onset'], [3, 'offset']]);
    expect(await feedAfter(db, ['device-b'], 0, 10)).toEqual([]);
  });

  it('after 006 the device_states CHECK takes "stopped" and still refuses a state nobody reports', async () => {
    const put = (state: string) => db.query(`INSERT INTO device_states (device_id, state, since, session_id, batch_id)
      VALUES ('mig-dev', $1, now(), 's', '55555555-2222-4333-8444-555555555555')
      ON CONFLICT (device_id) DO UPDATE SET state = EXCLUDED.state`, [state]);
    await put('stopped');
    expect((await db.query(`SELECT state FROM device_states WHERE device_id = 'mig-dev'`)).rows).toEqual([{ state: 'stopped' }]);
    await expect(put('offline')).rejects.toThrow(/device_states_state_check/);
    await db.query(`DELETE FROM device_states WHERE device_id = 'mig-dev'`);
  });

  it('a legacy key (no content hash) re-posted counts as a duplicate; another device may use the same id', async () => {
    const admit = async (device: string, start = '2026-01-01T00:00:00Z', session = 'old-1') =>
      (await db.query<{ a: string }>('SELECT admit_batch($1, $2, $3, $4, $5) AS a', [device, LEGACY, 'f'.repeat(64), session, start])).rows[0].a;
    expect(await admit('device-a')).toBe('duplicate');
    expect(await admit('device-b', '2026-05-05T00:00:00Z', 'b-1')).toBe('new');
    const legacyAgain = { ...makeBatch({ sessionId: 'old-1', sessionStartedAt: '2026-01-01T00:00:00.000Z' }), batchId: LEGACY };
    expect(await storeBatchGroup(db, [legacyAgain], { episodeMinSeconds: 3, storedBy: 'w' })).toEqual([{ stored: false, events: 0, episodes: 0 }]);
  });

  it('a back-filled session start refuses a contradicting one, changing nothing', async () => {
    const before = (await db.query('SELECT count(*)::int AS n FROM batch_keys')).rows;
    const r = await db.query<{ a: string }>('SELECT admit_batch($1, $2, $3, $4, $5) AS a', ['device-a', '99999999-2222-4333-8444-555555555555', 'a'.repeat(64), 'old-1', '2026-01-01T00:00:01Z']);
    expect(r.rows[0].a).toBe('session_conflict:2026-01-01T00:00:00.000000Z');
    expect((await db.query('SELECT count(*)::int AS n FROM batch_keys')).rows).toEqual(before);
  });

  it('admits a group in one statement with the same answers as one by one: first of a key wins, a new session takes its first start', async () => {
    const mk = (o: Parameters<typeof makeBatch>[0], batchId?: string) => { const b = makeBatch(o); return batchId ? { ...b, batchId } : b; };
    const k = '22222222-2222-4333-8444-555555555555';
    const items = [
      { batch: mk({ sessionId: 'grp-1', sessionStartedAt: '2026-02-01T00:00:00.000Z' }, k), hash: 'h1' },
      { batch: mk({ sessionId: 'grp-1', sessionStartedAt: '2026-02-01T00:00:00.000Z' }, k.toUpperCase()), hash: 'h2' },
      // Within one statement admission runs in key order (device, batchId: the lock order that keeps two
      // groups from deadlocking), so these ids are fixed: with random ones the contradicting start (h4)
      // was admitted first whenever its id sorted before the others' (seen in a CI run).
      { batch: mk({ sessionId: 'grp-1', sessionStartedAt: '2026-02-01T01:00:00+01:00' }, '33333333-2222-4333-8444-555555555555'), hash: 'h3' },
      { batch: mk({ sessionId: 'grp-1', sessionStartedAt: '2026-02-01T00:00:09.000Z' }, '44444444-2222-4333-8444-555555555555'), hash: 'h4' },
      { batch: { ...mk({ sessionId: 'old-1', sessionStartedAt: '2026-01-01T00:00:00.000Z' }), batchId: LEGACY }, hash: 'h5' },
    ];
    const answers = await admitBatches(db, items);
    expect(answers.map((a) => a.kind)).toEqual(['new', 'conflict', 'new', 'session_conflict', 'duplicate']);
    expect(answers[3]).toEqual({ kind: 'session_conflict', knownStart: '2026-02-01T00:00:00.000000Z' });
    // Again: what was admitted is now a duplicate; nothing refused was recorded.
    expect((await admitBatches(db, items)).map((a) => a.kind)).toEqual(['duplicate', 'conflict', 'duplicate', 'session_conflict', 'duplicate']);
    const keys = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM batch_keys WHERE session_id = 'grp-1'`);
    expect(keys.rows[0].n).toBe(2);
  });

  it('a value the database refuses (a validator gap) refuses only its own batch; the rest of the group is admitted', async () => {
    const good = makeBatch({ sessionId: 'gap-1' });
    const gap = { ...makeBatch({ sessionId: 'gap-2' }), sessionStartedAt: '2026-02-30T00:00:00Z' };
    const answers = await admitBatches(db, [{ batch: good, hash: 'g' }, { batch: gap, hash: 'x' }]);
    expect(answers[0]).toEqual({ kind: 'new' });
    expect(answers[1]).toMatchObject({ kind: 'invalid', message: expect.stringMatching(/out of range|invalid/i) });
    const n = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM batch_keys WHERE session_id IN ('gap-1', 'gap-2')`);
    expect(n.rows[0].n).toBe(1);
  });
});
