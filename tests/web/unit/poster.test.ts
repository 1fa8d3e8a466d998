import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { ResultPoster } from '../../../web/src/poster.js';
import { IndexedDbBatchStore, MemoryBatchStore } from '../../../web/src/queue.js';
import { validateBatch } from '../../../web/src/protocol/index.js';

const win = (t: number) => ({ start: t, end: t + 1, fused: [0.7, 0.1, 0.2] as [number, number, number], smoothed: [0.7, 0.1, 0.2] as [number, number, number], yamnet: [0.6, 0.2, 0.2] as [number, number, number], method: 'mean', models: ['yamnet' as const] });

function setup(responses: (number | 'net')[], store = new MemoryBatchStore()) {
  const calls: { url: string; headers: Record<string, string>; body: any }[] = [];
  let now = 1_700_000_000_000;
  let n = 0;
  const fakeFetch = (async (url: string, init: any) => {
    calls.push({ url, headers: init.headers, body: JSON.parse(init.body) });
    const r = responses[Math.min(n++, responses.length - 1)];
    if (r === 'net') throw new TypeError('Failed to fetch');
    return new Response(r < 300 ? '{"ok":true}' : 'nope', { status: r });
  }) as unknown as typeof fetch;
  let id = 0;
  const poster = new ResultPoster({
    backendUrl: 'http://backend.test', apiKey: 'secret', sessionId: 's1', deviceId: 'd1',
    sessionStartedAt: new Date(now).toISOString(), models: { yamnet: '1', core: '0.1' }, store,
    fetch: fakeFetch, uuid: () => `00000000-0000-4000-8000-${String(++id).padStart(12, '0')}`, now: () => now, maxWindows: 2,
  });
  return { poster, calls, store, advance: (ms: number) => { now += ms; } };
}

describe('ResultPoster', () => {
  it('sends valid cryscope.batch/1 batches with idempotency key and auth, split by maxWindows', async () => {
    const { poster, calls } = setup([200]);
    for (let t = 0; t < 5; t++) poster.addWindow(win(t));
    poster.addEvent({ type: 'onset', label: 'cry', start: 1, peak: 0.9 });
    const s = await poster.flush();
    expect(calls).toHaveLength(3);
    expect(calls[0].url).toBe('http://backend.test/api/v1/detections');
    expect(calls[0].headers.authorization).toBe('Bearer secret');
    expect(calls[0].headers['idempotency-key']).toBe(calls[0].body.batchId);
    for (const c of calls) expect(validateBatch(c.body).ok).toBe(true);
    expect(calls.map((c) => c.body.windows.length)).toEqual([2, 2, 1]);
    expect(calls[0].body.events).toHaveLength(1);
    expect(JSON.stringify(calls)).not.toMatch(/samples|audio/);
    expect(s).toMatchObject({ state: 'sent', sent: 3, queued: 0 });
  });

  it('retries a failed batch with the same batchId after exponential backoff', async () => {
    const { poster, calls, advance } = setup([503, 'net', 200]);
    poster.addWindow(win(0));
    expect((await poster.flush()).state).toBe('retrying');
    const firstDelay = poster.retryInMs;
    expect(firstDelay).toBeGreaterThanOrEqual(800);
    expect(firstDelay).toBeLessThanOrEqual(1200);
    await poster.flush(); // too early: no request
    expect(calls).toHaveLength(1);
    advance(firstDelay + 1);
    await poster.flush();
    expect(calls).toHaveLength(2);
    expect(poster.retryInMs).toBeGreaterThanOrEqual(1600); // doubled
    advance(poster.retryInMs + 1);
    const s = await poster.flush();
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.body.batchId)).size).toBe(1);
    expect(s).toMatchObject({ state: 'sent', sent: 1, queued: 0 });
  });

  it('drops a batch the server rejects permanently (4xx) and says so, but retries 429', async () => {
    const a = setup([400]);
    a.poster.addWindow(win(0));
    const s = await a.poster.flush();
    expect(s.state).toBe('rejected');
    expect(s.error).toMatch(/HTTP 400/);
    expect(await a.store.count()).toBe(0);
    const b = setup([429]);
    b.poster.addWindow(win(0));
    expect((await b.poster.flush()).state).toBe('retrying');
    expect(await b.store.count()).toBe(1);
  });

  it('a 409 conflict (batchId re-used with other content, or a contradicting session start) is final: reported, dropped, never retried; later batches still go', async () => {
    const { poster, calls, store, advance } = setup([409, 202]);
    poster.addWindow(win(0));
    const s = await poster.flush();
    expect(s.state).toBe('rejected');
    expect(s.error).toMatch(/HTTP 409/);
    expect(await store.count()).toBe(0);
    advance(120_000);
    poster.addWindow(win(1));
    await poster.flush();
    expect(calls).toHaveLength(2);
    expect(calls[1].body.batchId).not.toBe(calls[0].body.batchId);
    expect(await store.count()).toBe(0);
  });

  it('keeps batches in IndexedDB while offline and sends them, in order, from a new session', async () => {
    const idb = new IDBFactory();
    const store1 = new IndexedDbBatchStore('outbox-test', idb);
    const a = setup(['net'], store1);
    a.poster.addWindow(win(0));
    a.poster.addWindow(win(1));
    a.poster.addWindow(win(2));
    await a.poster.flush();
    expect(await store1.count()).toBe(2);
    // "Reload": a new store on the same database, network back.
    const store2 = new IndexedDbBatchStore('outbox-test', idb);
    const b = setup([200], store2);
    await b.poster.sendQueued();
    expect(b.calls.map((c) => c.body.windows[0].start)).toEqual([0, 2]);
    expect(await store2.count()).toBe(0);
  });

  it('clamps probabilities into [0,1] so rounding noise never makes a batch invalid', async () => {
    const { poster, calls } = setup([200]);
    poster.addWindow({ ...win(0), fused: [1.0000001, -1e-9, 0] });
    await poster.flush();
    expect(calls[0].body.windows[0].probs.fused).toEqual([1, 0, 0]);
  });
});
