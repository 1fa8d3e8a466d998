// Issue #15 on the real stack (Temporal dev server + real PostgreSQL / embedded PGlite + the
// server processes): every batch answered 202 is stored exactly once, or the client is told
// it never will be (4xx, or a dead letter its device can read). Idempotency keys are
// (device, batchId); a key re-used with other content is refused 409, also under concurrency.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../server/src/devstack/ports.js';
import { makeBatch } from './helpers/batches.js';
import { edgeBatch, prng } from './helpers/edge-batches.js';
import { Stack, TOKENS } from './helpers/stack.js';

describe.each(['pglite', 'postgres'] as const)('%s', (kind) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await new Stack({ db: kind }).start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const session = async (id: string, token: string = TOKENS['device-a']) => {
    const r = await stack.get(`/api/v1/sessions/${id}`, token);
    return r.status === 200 ? r.body.session : null;
  };
  const events = async (id: string, token: string = TOKENS['device-a']) => (await stack.get(`/api/v1/sessions/${id}/events`, token)).body.events;
  const storedOnce = (id: string, token?: string) => waitFor(`session ${id} stored`, async () => (await session(id, token))?.batches === 1, 60_000, 100);

  it('finding 1: the reported Feb-30 batch is refused 400; its corrected retry under the same batchId is stored', async () => {
    const body = {
      schema: 'cryscope.batch/1', batchId: '5f0c1e3a-1111-4222-8333-444455556666', sessionId: 'repro-feb30', deviceId: 'device-a',
      sentAt: '2026-02-30T00:00:00Z', sessionStartedAt: '2026-12-06T05:59:00Z', models: {},
      windows: [{ start: 0, end: 1, probs: { fused: [0.6, 0.1, 0.3] } }], events: [],
    };
    const bad = await stack.post(body);
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: any) => d.path)).toEqual(['/sentAt']);
    expect(bad.body.message).toMatch(/day 30 does not exist in 2026-02/);
    const fixed = await stack.post({ ...body, sentAt: '2026-02-28T00:00:00Z' });
    expect(fixed.status).toBe(202);
    expect(fixed.body.duplicate).toBe(false);
    await storedOnce('repro-feb30');
  });

  it('property: batches generated from the schema edges — 202 ⇒ stored exactly once, 4xx ⇒ nothing stored', async () => {
    const r = prng(kind === 'pglite' ? 15 : 1515);
    const cases = Array.from({ length: 160 }, (_, i) => edgeBatch(r, randomUUID(), `prop-${i}`, 'device-a'));
    const answers = [];
    for (let i = 0; i < cases.length; i += 16) answers.push(...await Promise.all(cases.slice(i, i + 16).map((b) => stack.post(b))));
    const accepted = cases.filter((_, i) => answers[i].status === 202);
    const refused = cases.filter((_, i) => answers[i].status !== 202);
    // Neither side may be empty, or the property says nothing.
    expect(accepted.length).toBeGreaterThan(20);
    expect(refused.length).toBeGreaterThan(20);
    for (const [i, a] of answers.entries()) {
      if (a.status !== 202) expect([a.status, a.body?.error], JSON.stringify(cases[i])).toEqual([400, 'invalid_batch']);
    }
    for (const b of accepted) {
      const s = await waitFor(`accepted ${JSON.stringify(b)} stored`, async () => session(b.sessionId), 60_000, 100);
      expect(s, JSON.stringify(b)).toMatchObject({ batches: 1, windows: b.windows.length, events: b.events.length });
      expect(await events(b.sessionId)).toHaveLength(b.events.length);
    }
    await sleep(500);
    for (const b of refused) expect(await session(b.sessionId), JSON.stringify(b)).toBeNull();
    expect((await stack.get('/api/v1/dead-letters')).body.deadLetters).toEqual([]);
  });

  it('finding 4: the same batchId with different content → 409 and nothing changed (sequential, other letter case)', async () => {
    const a = makeBatch({ sessionId: 'conflict-1' });
    expect((await stack.post(a)).status).toBe(202);
    const changed = { ...a, windows: a.windows.slice(1) };
    const r = await stack.post(changed);
    expect(r.status).toBe(409);
    expect(r.body.error).toBe('batch_conflict');
    expect(r.body.message).toMatch(/already received .* with different content; nothing was changed/);
    const upper = await stack.post({ ...changed, batchId: a.batchId.toUpperCase() });
    expect(upper.status).toBe(409);
    // The identical batch (even re-stamped sentAt and upper-case id, as a client retry) is a duplicate.
    const again = await stack.post({ ...a, batchId: a.batchId.toUpperCase(), sentAt: new Date().toISOString() });
    expect(again.status).toBe(202);
    expect(again.body.duplicate).toBe(true);
    await storedOnce('conflict-1');
    await sleep(500);
    expect(await session('conflict-1')).toMatchObject({ batches: 1, windows: a.windows.length });
  });

  it('finding 4: parallel posts of one batchId with different contents — one content wins, every other is 409, stored once', async () => {
    const base = makeBatch({ sessionId: 'conflict-par' });
    const variants = Array.from({ length: 6 }, (_, i) => ({ ...base, windows: base.windows.slice(0, 1 + (i % 3)) }));
    const answers = await Promise.all(variants.map((v) => stack.post(v)));
    const ok = answers.map((a, i) => [a.status, variants[i].windows.length] as const).filter(([s]) => s === 202);
    expect(answers.every((a) => a.status === 202 || a.status === 409)).toBe(true);
    // Only copies identical to the winner are accepted (2 of each window count were sent).
    expect(new Set(ok.map(([, n]) => n)).size).toBe(1);
    expect(ok.length).toBe(2);
    await storedOnce('conflict-par');
    await sleep(500);
    expect(await session('conflict-par')).toMatchObject({ batches: 1, windows: ok[0][1] });
  });

  it('finding 5: batchIds are scoped per device — another device re-using one is stored, not a duplicate', async () => {
    const a = makeBatch({ sessionId: 'shared-id', deviceId: 'device-a' });
    const b = { ...makeBatch({ sessionId: 'shared-id', deviceId: 'device-b', windows: 2 }), batchId: a.batchId };
    expect((await stack.post(a)).status).toBe(202);
    await storedOnce('shared-id');
    const rb = await stack.post(b, TOKENS['device-b']);
    expect(rb.status).toBe(202);
    expect(rb.body.duplicate).toBe(false);
    await storedOnce('shared-id', TOKENS['device-b']);
    expect(await session('shared-id', TOKENS['device-b'])).toMatchObject({ deviceId: 'device-b', windows: 2 });
    expect(await session('shared-id')).toMatchObject({ deviceId: 'device-a', windows: 4 });
  });

  it('finding 6: a different sessionStartedAt for an existing session → 409 session_conflict, nothing changed', async () => {
    const first = makeBatch({ sessionId: 'start-1', sessionStartedAt: '2026-03-01T10:00:00.000Z' });
    expect((await stack.post(first)).status).toBe(202);
    // The same instant written another way is the same start.
    const same = makeBatch({ sessionId: 'start-1', t0: 10, sessionStartedAt: '2026-03-01T11:00:00+01:00' });
    expect((await stack.post(same)).status).toBe(202);
    const other = makeBatch({ sessionId: 'start-1', t0: 20, sessionStartedAt: '2026-03-01T10:00:05.000Z' });
    const r = await stack.post(other);
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: 'session_conflict', details: { knownStart: '2026-03-01T10:00:00.000000Z' } });
    // Refused means not admitted: its batchId is still free for the corrected batch.
    const fixed = await stack.post({ ...other, sessionStartedAt: first.sessionStartedAt });
    expect(fixed.status).toBe(202);
    expect(fixed.body.duplicate).toBe(false);
    await waitFor('three batches stored', async () => (await session('start-1'))?.batches === 3, 60_000, 100);
    expect((await session('start-1')).startedAt).toBe('2026-03-01T10:00:00.000Z');
  });

  it('dead letters are scoped per device like sessions', async () => {
    expect((await stack.get('/api/v1/dead-letters', null)).status).toBe(401);
    expect((await stack.get('/api/v1/dead-letters?deviceId=device-a', TOKENS['device-b'])).status).toBe(403);
    expect((await stack.get('/api/v1/dead-letters?deviceId=device-a', TOKENS['*'])).body).toEqual({ deadLetters: [] });
  });
});
