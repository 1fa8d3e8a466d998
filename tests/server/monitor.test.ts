// The caregiver monitor's data path (issue #14) on the real stack — Temporal dev server,
// worker and API in one process on PGlite: viewer-only access, store first then notify, and
// reconnection with Last-Event-ID that neither loses nor repeats an event.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../server/src/devstack/ports.js';
import { makeBatch } from './helpers/batches.js';
import { SseClient } from './helpers/sse-client.js';
import { streamLatency } from './helpers/stream-latency.js';
import { Stack, TOKENS } from './helpers/stack.js';

export const VIEWER = 'viewer-household-a-0123456789';

let stack: Stack;

beforeAll(async () => {
  // Assigned before start(), so afterAll stops what did start even if start() fails.
  stack = new Stack({ db: 'pglite', env: { CRYSCOPE_VIEWER_KEYS: `device-a=${VIEWER}`, CRYSCOPE_OFFLINE_AFTER_S: '20' } });
  await stack.start();
});
afterAll(async () => { await stack?.stop(); });

const stream = (key = VIEWER) => new SseClient(stack.api.url, key);

/** The events the device itself reads back for a session (GET /api/v1/sessions/{id}/events). */
async function storedEvents(sessionId: string) {
  const r = await stack.get(`/api/v1/sessions/${sessionId}/events`, TOKENS['device-a']);
  return r.status === 200 ? (r.body.events as { type: string; start: number; batchId: string }[]) : [];
}

describe('access', () => {
  it('no key: 401 on the stream and the device list', async () => {
    expect((await stack.get('/api/v1/stream', null)).status).toBe(401);
    expect((await stack.get('/api/v1/devices', null)).status).toBe(401);
    expect((await stack.get('/api/v1/devices', 'not-a-known-key-0123456789')).status).toBe(401);
  });

  it('a device key (admin too) cannot read the monitor; a viewer key cannot post or read device routes', async () => {
    expect((await stream(TOKENS['device-a']).open()).status).toBe(403);
    expect((await stack.get('/api/v1/devices', TOKENS['*'])).status).toBe(403);
    const post = await stack.post(makeBatch(), VIEWER);
    expect(post.status).toBe(403);
    expect(post.body.error).toBe('forbidden');
    expect((await stack.get('/api/v1/sessions', VIEWER)).status).toBe(403);
  });

  it('HEAD on the stream is not a route (it would hold a stream open with no body); HEAD on devices is', async () => {
    const head = (path: string) => fetch(`${stack.api.url}${path}`, { method: 'HEAD', headers: { authorization: `Bearer ${VIEWER}` } });
    expect((await head('/api/v1/stream')).status).toBe(404);
    expect((await head('/api/v1/devices')).status).toBe(200);
  });

  it('a malformed Last-Event-ID is refused with 400', async () => {
    const res = await fetch(`${stack.api.url}/api/v1/stream`, { headers: { authorization: `Bearer ${VIEWER}`, 'last-event-id': '12abc' } });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('bad_query');
  });

  it('the monitor page is served under our CSP with no key, and holds no data', async () => {
    const r = await stack.get('/monitor/', null);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(r.body).toContain('/monitor/monitor.js');
    expect((await stack.get('/monitor/monitor.js', null)).headers.get('content-type')).toMatch(/^text\/javascript/);
  });
});

describe('devices and the live stream', () => {
  it('device-a is offline before it sends anything and listening after', async () => {
    const before = await stack.get('/api/v1/devices', VIEWER);
    expect(before.status).toBe(200);
    expect(before.body.devices).toEqual([{ deviceId: 'device-a', state: 'offline', reasons: [], reported: null, since: null, lastBatchAt: null, sessionId: null }]);
    await stack.postUntilAccepted(makeBatch({ sessionId: 'dev-state', events: [] }));
    const after = await waitFor('device-a listening', async () => {
      const r = await stack.get('/api/v1/devices', VIEWER);
      return r.body.devices[0].state === 'listening' ? r.body.devices : null;
    }, 30_000, 200);
    expect(after[0].sessionId).toBe('dev-state');
  });

  it('an onset/offset arrives on the stream only after it is stored, and only for the household', async () => {
    const sse = await stream().open();
    expect(sse.status).toBe(200);
    await waitFor('devices event', async () => sse.events.some((e) => e.event === 'devices'), 10_000, 50);
    // device-b is not in this viewer's household: its events must never appear.
    await stack.postUntilAccepted(makeBatch({ deviceId: 'device-b', sessionId: 'other-house' }));
    const batch = makeBatch({ sessionId: 'live-1' });
    await stack.postUntilAccepted(batch);
    const got = await waitFor('2 detections', async () => (sse.detections().length >= 2 ? sse.detections() : null), 30_000, 20);
    // Checked the moment they arrived: the database already has them (store first, then notify).
    const stored = await storedEvents('live-1');
    expect(stored.map((e) => e.type)).toEqual(['onset', 'offset']);
    expect(got.map((e) => [e.data.deviceId, e.data.sessionId, e.data.batchId, e.data.type, e.data.label])).toEqual([
      ['device-a', 'live-1', batch.batchId, 'onset', 'cry'],
      ['device-a', 'live-1', batch.batchId, 'offset', 'cry'],
    ]);
    expect(got[0].data.at).toBe(new Date(Date.parse(batch.sessionStartedAt) + 500).toISOString());
    expect(Number(got[1].id)).toBe(Number(got[0].id) + 1);
    await sleep(1000);
    expect(sse.detections().length).toBe(2);
    await sse.close();
  });

  it('reconnecting with Last-Event-ID receives exactly the missed events, in order, no duplicates', async () => {
    const first = await stream().open();
    await stack.postUntilAccepted(makeBatch({ sessionId: 'reconnect' }));
    const seen = await waitFor('first batch', async () => (first.detections().length >= 2 ? first.detections() : null), 30_000, 20);
    await first.close();
    const lastId = seen[seen.length - 1].id!;
    // While disconnected: three more batches (6 events), stored before we reconnect.
    const missed = [1, 2, 3].map((i) => makeBatch({ sessionId: 'reconnect', t0: i * 10 }));
    for (const b of missed) await stack.postUntilAccepted(b);
    await waitFor('missed batches stored', async () => (await storedEvents('reconnect')).length === 8, 30_000, 100);
    const again = await stream().open(lastId);
    const got = await waitFor('6 missed events', async () => (again.detections().length >= 6 ? again.detections() : null), 30_000, 20);
    await sleep(1000);
    expect(again.detections().length).toBe(6);
    // Exactly the missed events. Their order on the stream is storage order (feed ids, checked below);
    // a 202 means Temporal holds the batch, so three batches posted in a row may be stored in any order.
    expect(got.map((e) => e.data.batchId).sort()).toEqual(missed.flatMap((b) => [b.batchId, b.batchId]).sort());
    const ids = got.map((e) => Number(e.id));
    expect(ids[0]).toBeGreaterThan(Number(lastId));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(6);
    await again.close();
  });

  it('latency from POST to arrival on the stream (printed, not a gate)', async () => {
    const sse = await stream().open();
    await waitFor('devices event', async () => sse.events.some((e) => e.event === 'devices'), 10_000, 50);
    const { sorted } = await streamLatency(stack, sse, 'latency', 'PGlite, one process, LISTEN/NOTIFY + 250 ms poll');
    await sse.close();
    expect(sorted.length).toBe(20);
  });
});

