// The state a listening device reports to the backend and the caregiver view (issue #14):
// the reporter (web/src/device-report.ts) that CryDetector feeds, and the poster that carries
// each report on every batch, sends a change at once and beats while nothing else goes out.
import { describe, expect, it } from 'vitest';
import { BACKLOG_BATCHES, DeviceStateReporter } from '../../../web/src/device-report.js';
import { KeepaliveBudget } from '../../../web/src/keepalive.js';
import { ResultPoster } from '../../../web/src/poster.js';
import { MemoryBatchStore } from '../../../web/src/queue.js';
import { validateBatch, type DeviceStateReport } from '../../../web/src/protocol/index.js';

function reporter() {
  let now = Date.parse('2026-12-06T10:00:00Z');
  const reports: DeviceStateReport[] = [];
  const r = new DeviceStateReporter((x) => reports.push(x), () => now);
  return { r, reports, advance: (ms: number) => { now += ms; } };
}

describe('DeviceStateReporter', () => {
  it('reports listening, paused after pause(), listening after resume(), stopped after stop(); nothing before start', () => {
    const { r, reports, advance } = reporter();
    r.detector('starting', null);
    expect(reports).toEqual([]);
    r.detector('listening', null);
    advance(1000);
    r.detector('paused', null);
    advance(1000);
    r.detector('listening', null);
    advance(1000);
    r.detector('stopped', null);
    r.detector('stopped', null); // stop() reports it first, setState('stopped') repeats it: not news
    expect(reports).toEqual([
      { state: 'listening', since: '2026-12-06T10:00:00.000Z' },
      { state: 'paused', since: '2026-12-06T10:00:01.000Z' },
      { state: 'listening', since: '2026-12-06T10:00:02.000Z' },
      { state: 'stopped', since: '2026-12-06T10:00:03.000Z' },
    ]);
    expect(r.current).toEqual(reports[3]);
  });

  it('stopped sticks through the teardown (capture signals, model failures, outbox status) until a new start', () => {
    const { r, reports } = reporter();
    r.detector('listening', null);
    r.detector('stopped', null);
    r.detector('degraded', 'microphone-ended');
    r.modelFailed('yamnet');
    r.backend({ state: 'retrying', queued: BACKLOG_BATCHES + 1, sent: 0 });
    expect(reports.map((x) => x.state)).toEqual(['listening', 'stopped']);
    expect(r.current).toEqual({ state: 'stopped', since: expect.any(String) });
    r.reset();
    r.detector('listening', null);
    expect(r.current).toMatchObject({ state: 'degraded', reasons: ['model-fallback'] }); // model failures outlive a stop
  });

  it('a start that failed before anything was reported does not report stopped', () => {
    const { r, reports } = reporter();
    r.reset();
    r.detector('starting', null);
    r.detector('stopped', null);
    expect(reports).toEqual([]);
    expect(r.current).toBeNull();
  });

  it('capture problems are degraded with the problem as reason (recovering included); the same state again is not news', () => {
    const { r, reports } = reporter();
    r.detector('listening', null);
    r.detector('degraded', 'microphone-muted');
    r.detector('degraded', 'microphone-muted');
    r.detector('recovering', 'microphone-ended');
    r.detector('recovering', 'audio-suspended');
    r.detector('listening', null);
    expect(reports.map((x) => [x.state, x.reasons])).toEqual([
      ['listening', undefined],
      ['degraded', ['microphone-muted']],
      ['degraded', ['microphone-ended']],
      ['degraded', ['audio-suspended']],
      ['listening', undefined],
    ]);
  });

  it('a model failure (fusion fell back) is degraded: model-fallback, for the rest of the detector\'s life, but not while paused', () => {
    const { r, reports } = reporter();
    r.modelFailed('wav2vec2'); // during loading: nothing to report yet
    expect(reports).toEqual([]);
    r.detector('listening', null);
    expect(r.current).toMatchObject({ state: 'degraded', reasons: ['model-fallback'] });
    r.modelFailed('wav2vec2');
    r.detector('recovering', 'audio-interrupted');
    expect(r.current).toMatchObject({ state: 'degraded', reasons: ['audio-interrupted', 'model-fallback'] });
    r.detector('paused', null);
    expect(r.current).toEqual({ state: 'paused', since: expect.any(String) });
    r.reset();
    r.detector('listening', null);
    expect(r.current).toMatchObject({ state: 'degraded', reasons: ['model-fallback'] });
    expect(reports).toHaveLength(4);
  });

  it(`an outbox backing up (${BACKLOG_BATCHES}+ batches while retrying) is degraded: outbox-backlog, until batches are sent again`, () => {
    const { r } = reporter();
    r.detector('listening', null);
    r.backend({ state: 'retrying', queued: BACKLOG_BATCHES - 1, sent: 0 });
    expect(r.current?.state).toBe('listening');
    r.backend({ state: 'retrying', queued: BACKLOG_BATCHES, sent: 0 });
    expect(r.current).toMatchObject({ state: 'degraded', reasons: ['outbox-backlog'] });
    r.backend({ state: 'sending', queued: 2, sent: 0 });
    expect(r.current?.state).toBe('degraded');
    r.backend({ state: 'sent', queued: 0, sent: 4 });
    expect(r.current).toMatchObject({ state: 'listening' });
  });

  it('every report is valid in a cryscope.batch/1 batch', () => {
    const { r, reports } = reporter();
    r.detector('listening', null);
    r.modelFailed('yamnet');
    r.backend({ state: 'retrying', queued: 9, sent: 0 });
    r.detector('recovering', 'audio-closed');
    r.detector('paused', null);
    r.detector('stopped', null);
    expect(reports.at(-1)?.state).toBe('stopped');
    for (const device of reports) {
      const batch = { schema: 'cryscope.batch/1', batchId: '00000000-0000-4000-8000-000000000001', sessionId: 's', deviceId: 'd', sentAt: device.since, sessionStartedAt: device.since, models: {}, windows: [], events: [], device };
      expect(validateBatch(batch).ok, JSON.stringify(device)).toBe(true);
    }
  });
});

function poster(responses: number[] = [202]) {
  const calls: any[] = [];
  let n = 0;
  const fakeFetch = (async (_url: string, init: any) => {
    calls.push(JSON.parse(init.body));
    return new Response('{}', { status: responses[Math.min(n++, responses.length - 1)] });
  }) as unknown as typeof fetch;
  let id = 0;
  const p = new ResultPoster({
    backendUrl: 'http://backend.test', sessionId: 's1', deviceId: 'd1', sessionStartedAt: '2026-12-06T10:00:00.000Z',
    models: {}, store: new MemoryBatchStore(), fetch: fakeFetch, retryBaseMs: 1_000_000,
    uuid: () => `00000000-0000-4000-8000-${String(++id).padStart(12, '0')}`, keepalive: new KeepaliveBudget(),
  });
  return { p, calls };
}
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('ResultPoster device state', () => {
  it('without a state, an idle flush sends nothing (as before)', async () => {
    const { p, calls } = poster();
    await p.flush();
    expect(calls).toEqual([]);
  });

  it('a change goes out at once as a state-only beat; every batch carries the state; an idle flush beats', async () => {
    const { p, calls } = poster();
    p.setDevice({ state: 'listening', since: '2026-12-06T10:00:00.000Z' });
    await settle();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ windows: [], events: [], device: { state: 'listening' } });
    p.setDevice({ state: 'listening', since: '2026-12-06T10:00:05.000Z' }); // same state: not news
    await settle();
    expect(calls).toHaveLength(1);
    p.addEvent({ type: 'onset', label: 'cry', start: 1, peak: 0.9 });
    await settle();
    expect(calls[1]).toMatchObject({ events: [{ type: 'onset' }], device: { state: 'listening' } });
    p.setDevice({ state: 'paused', since: '2026-12-06T10:00:09.000Z' });
    await settle();
    expect(calls[2]).toMatchObject({ windows: [], events: [], device: { state: 'paused', since: '2026-12-06T10:00:09.000Z' } });
    await p.flush(); // the interval's flush while paused: a beat keeps the device from looking offline
    expect(calls[3]).toMatchObject({ windows: [], events: [], device: { state: 'paused' } });
    for (const c of calls) expect(validateBatch(c).ok).toBe(true);
    expect(new Set(calls.map((c) => c.batchId)).size).toBe(calls.length);
  });

  it('stop(): "stopped" goes out at once through the outbox; the offsets the teardown flushes and finish() carry it too', async () => {
    const store = new MemoryBatchStore();
    const calls: any[] = [];
    const p = new ResultPoster({
      backendUrl: 'http://backend.test', sessionId: 's1', deviceId: 'd1', sessionStartedAt: '2026-12-06T10:00:00.000Z',
      models: {}, store, retryBaseMs: 1_000_000, keepalive: new KeepaliveBudget(),
      fetch: (async (_u: string, init: any) => { calls.push(JSON.parse(init.body)); return new Response('{}', { status: 202 }); }) as unknown as typeof fetch,
    });
    p.setDevice({ state: 'listening', since: '2026-12-06T10:00:00.000Z' });
    await settle();
    p.addWindow({ start: 0, end: 1, fused: [0.1, 0.1, 0.8] } as any);
    p.setDevice({ state: 'stopped', since: '2026-12-06T10:00:09.000Z' }); // what DeviceStateReporter sends on stop()
    p.addEvent({ type: 'offset', label: 'cry', start: 1, end: 4, peak: 0.9 }); // flushed by the teardown
    await p.finish();
    await settle();
    const stoppedCalls = calls.slice(1);
    expect(stoppedCalls.length).toBeGreaterThanOrEqual(2);
    for (const c of stoppedCalls) expect(c.device).toEqual({ state: 'stopped', since: '2026-12-06T10:00:09.000Z' });
    expect(stoppedCalls[0].windows).toHaveLength(1); // the buffered window went out with the stop report
    expect(stoppedCalls.flatMap((c) => c.events)).toMatchObject([{ type: 'offset', label: 'cry' }]);
    expect(await store.count()).toBe(0); // every batch accepted: nothing left waiting in the outbox
  });

  it('no beat while batches wait in the outbox (a backend that is down does not collect one per interval)', async () => {
    const { p, calls } = poster([503]);
    p.setDevice({ state: 'degraded', reasons: ['microphone-ended'], since: '2026-12-06T10:00:00.000Z' });
    await settle();
    expect(calls).toHaveLength(1);
    for (let i = 0; i < 5; i++) await p.flush({ now: true });
    // Only the first beat is ever queued: each flush retries it, none adds another.
    expect(new Set(calls.map((c) => c.batchId)).size).toBe(1);
  });
});
