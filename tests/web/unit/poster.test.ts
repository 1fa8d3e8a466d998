import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { KeepaliveBudget, KEEPALIVE_QUOTA_BYTES } from '../../../web/src/keepalive.js';
import { ResultPoster } from '../../../web/src/poster.js';
import { IndexedDbBatchStore, MemoryBatchStore } from '../../../web/src/queue.js';
import { validateBatch } from '../../../web/src/protocol/index.js';
import { byteLength, packBatches } from '../../../web/src/batches.js';

const win = (t: number) => ({ start: t, end: t + 1, fused: [0.7, 0.1, 0.2] as [number, number, number], smoothed: [0.7, 0.1, 0.2] as [number, number, number], yamnet: [0.6, 0.2, 0.2] as [number, number, number], method: 'mean', models: ['yamnet' as const] });

// 'hang': the request never settles (the page is gone before the answer comes).
function setup(responses: (number | 'net' | 'hang')[], store = new MemoryBatchStore(), extra: { keepalive?: KeepaliveBudget; maxWindows?: number } = {}) {
  const calls: { url: string; headers: Record<string, string>; body: any; bytes: number; keepalive: boolean }[] = [];
  let now = 1_700_000_000_000;
  let n = 0;
  const fakeFetch = (async (url: string, init: any) => {
    calls.push({ url, headers: init.headers, body: JSON.parse(init.body), bytes: new TextEncoder().encode(init.body).length, keepalive: init.keepalive === true });
    const r = responses[Math.min(n++, responses.length - 1)];
    if (r === 'hang') return new Promise<Response>(() => undefined);
    if (r === 'net') throw new TypeError('Failed to fetch');
    return new Response(r < 300 ? '{"ok":true}' : 'nope', { status: r });
  }) as unknown as typeof fetch;
  let id = 0;
  const poster = new ResultPoster({
    backendUrl: 'http://backend.test', apiKey: 'secret', sessionId: 's1', deviceId: 'd1',
    sessionStartedAt: new Date(now).toISOString(), models: { yamnet: '1', core: '0.1' }, store,
    fetch: fakeFetch, uuid: () => `00000000-0000-4000-8000-${String(++id).padStart(12, '0')}`, now: () => now, maxWindows: extra.maxWindows ?? 2,
    keepalive: extra.keepalive ?? new KeepaliveBudget(),
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

  it('sends an onset at once, without waiting for flush(), together with the windows buffered so far', async () => {
    const { poster, calls, store } = setup([202], undefined, { maxWindows: 200 });
    poster.addWindow(win(0));
    poster.addWindow(win(1));
    expect(calls).toHaveLength(0); // windows alone wait for the batch interval
    poster.addEvent({ type: 'onset', label: 'cry', start: 1.5, peak: 0.8 });
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].body.events).toEqual([{ type: 'onset', label: 'cry', start: 1.5, peak: 0.8 }]);
    expect(calls[0].body.windows.map((w: any) => w.start)).toEqual([0, 1]);
    expect(calls[0].keepalive).toBe(true); // a request on its way survives the tab closing
    await vi.waitFor(async () => expect(await store.count()).toBe(0));
    expect(poster.currentStatus).toMatchObject({ state: 'sent', sent: 1 });
  });

  it('tries an offset at once even while backing off after a failure, and keeps the order', async () => {
    const { poster, calls, store } = setup([503, 202], undefined, { maxWindows: 200 });
    poster.addWindow(win(0));
    expect((await poster.flush()).state).toBe('retrying');
    expect(poster.retryInMs).toBeGreaterThan(500);
    poster.addEvent({ type: 'offset', label: 'cry', start: 1, end: 4, peak: 0.9, mean: 0.7 });
    await vi.waitFor(() => expect(calls).toHaveLength(3));
    // the failed window batch first (same batchId), then the event's batch
    expect(calls[1].body.batchId).toBe(calls[0].body.batchId);
    expect(calls[2].body.events[0]).toMatchObject({ type: 'offset', end: 4 });
    await vi.waitFor(async () => expect(await store.count()).toBe(0));
  });

  it('on unload sends everything pending with keepalive, events first, within the 64 KiB quota; the rest waits in the outbox for the next visit', async () => {
    const idb = new IDBFactory();
    const outbox = new IndexedDbBatchStore('unload-test', idb);
    const a = setup(['hang'], outbox, { maxWindows: 1000 });
    for (let t = 0; t < 1200; t++) a.poster.addWindow(win(t * 0.5));
    a.poster.addEvent({ type: 'onset', label: 'scream', start: 599, peak: 0.95 }); // sent at once (and hangs)
    await vi.waitFor(() => expect(a.calls).toHaveLength(1));
    expect(a.calls[0].body.events).toHaveLength(1);
    a.poster.addEvent({ type: 'offset', label: 'scream', start: 599, end: 600, peak: 0.95 }); // buffered until unload
    const before = a.calls.length;
    const r = a.poster.sendForUnload();
    // The fetch calls are made synchronously: the page may be gone after this handler returns.
    const unloadCalls = a.calls.slice(before);
    expect(unloadCalls.length).toBeGreaterThan(0);
    expect(unloadCalls.every((c) => c.keepalive)).toBe(true);
    expect(a.calls.reduce((s, c) => s + c.bytes, 0)).toBeLessThanOrEqual(KEEPALIVE_QUOTA_BYTES);
    expect(unloadCalls[0].body.events).toEqual([{ type: 'offset', label: 'scream', start: 599, end: 600, peak: 0.95 }]);
    expect(r.left).toBeGreaterThan(0); // 1200 windows (~200 KB) cannot all go with keepalive
    expect(r.sending).toBe(a.calls.length);
    for (const c of a.calls) expect(validateBatch(c.body).ok).toBe(true);
    // Next visit: a new poster on the same outbox, network fine. Nothing is lost; what was in flight
    // is re-sent with the same batchId (the server stores it once).
    await vi.waitFor(async () => expect(await outbox.count()).toBeGreaterThan(0));
    const b = setup([202], new IndexedDbBatchStore('unload-test', idb));
    await b.poster.sendQueued();
    const starts = b.calls.flatMap((c) => c.body.windows.map((w: any) => w.start));
    expect(starts).toHaveLength(1200);
    expect(new Set(starts).size).toBe(1200);
    expect(b.calls.flatMap((c) => c.body.events.map((e: any) => e.type))).toEqual(['onset', 'offset']);
    const inFlightIds = new Set(a.calls.map((c) => c.body.batchId));
    expect(b.calls.filter((c) => inFlightIds.has(c.body.batchId))).toHaveLength(a.calls.length);
  });

  it('finish() resolves once the results are in the outbox, without waiting for a stalled network', async () => {
    const { poster, calls, store } = setup(['hang']);
    poster.addWindow(win(0));
    await poster.finish(); // would never resolve if it waited for the answer
    expect(await store.count()).toBe(1);
    await vi.waitFor(() => expect(calls).toHaveLength(1)); // and it is being sent
  });

  it('uses keepalive only while the quota has room, and never posts one batch twice at once', async () => {
    const budget = new KeepaliveBudget(1500);
    const { poster, calls } = setup(['hang'], undefined, { keepalive: budget, maxWindows: 5 });
    for (let t = 0; t < 20; t++) poster.addWindow(win(t));
    void poster.flush(); // first batch hangs in flight
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].keepalive).toBe(true);
    expect(budget.inFlight).toBe(calls[0].bytes);
    const r = poster.sendForUnload();
    const sentIds = calls.map((c) => c.body.batchId);
    expect(new Set(sentIds).size).toBe(sentIds.length); // the in-flight batch was not posted again
    expect(calls.every((c) => c.keepalive)).toBe(true);
    expect(budget.inFlight).toBeLessThanOrEqual(1500);
    expect(calls.length).toBeGreaterThan(1); // some did fit beside the first
    expect(r.left).toBe(4 - calls.length);
    expect(r.left).toBeGreaterThan(0);
  });
});

describe('packBatches', () => {
  const header = { sessionId: 's', deviceId: 'd', sessionStartedAt: '2026-01-01T00:00:00.000Z', models: { core: '1' } };
  const w = (t: number) => ({ start: t, end: t + 0.975, probs: { fused: [0.123456789, 0.23456789, 0.64197532] as [number, number, number] } });
  let id = 0;
  const o = { uuid: () => `00000000-0000-4000-8000-${String(++id).padStart(12, '0')}`, sentAt: '2026-01-01T00:00:01.000Z' };

  it('keeps every batch under the byte cap and the window limit, events in the first batch, nothing lost', () => {
    const windows = Array.from({ length: 500 }, (_, i) => w(i));
    const events = [{ type: 'onset' as const, label: 'cry' as const, start: 3, peak: 0.7 }];
    const batches = packBatches(header, windows, events, { ...o, maxWindows: 150, maxBytes: 8192 });
    expect(windows).toHaveLength(0);
    expect(events).toHaveLength(0);
    expect(batches[0].events).toHaveLength(1);
    for (const b of batches) {
      expect(byteLength(JSON.stringify(b))).toBeLessThanOrEqual(8192);
      expect(b.windows.length).toBeLessThanOrEqual(150);
      expect(validateBatch(b).ok).toBe(true);
    }
    expect(batches.flatMap((b) => b.windows.map((x) => x.start))).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(batches.length).toBeGreaterThan(500 / 150); // the byte cap, not the count, split them
  });

  it('sends a lone item larger than the cap on its own rather than stalling', () => {
    const windows = [w(0), w(1)];
    const batches = packBatches(header, windows, [], { ...o, maxWindows: 10, maxBytes: 100 });
    expect(batches.map((b) => b.windows.length)).toEqual([1, 1]);
  });
});
