// Device state on the real stack (issue #14) — Temporal dev server, worker and API on PGlite
// (one process) and on a real PostgreSQL: a nursery device reports listening / paused / degraded (with reasons) / stopped in
// cryscope.batch/1's optional `device` field; the storage workflow keeps the latest report per
// device, the caregiver's device list shows it, and the SSE feed pushes each change once it is
// stored. A malformed report is refused 400 and nothing is stored; silence still means offline.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectionBatchV1, DeviceStateReport } from '../../web/src/protocol/index.js';
import { waitFor } from '../../server/src/devstack/ports.js';
import { makeBatch } from './helpers/batches.js';
import { SseClient } from './helpers/sse-client.js';
import { Stack, TOKENS } from './helpers/stack.js';

const VIEWER = 'viewer-household-state-0123456789';
/** Short, so the offline case does not wait long; every other step posts well within it. */
const OFFLINE_AFTER_S = 6;

let stack: Stack;

/** A state-only beat (no windows, no events), as the web client sends one. */
function beat(device: DeviceStateReport, o: { sessionId?: string; deviceId?: string } = {}): DetectionBatchV1 {
  return { ...makeBatch({ sessionId: o.sessionId ?? 'state-1', deviceId: o.deviceId, windows: 0, events: [] }), device };
}

const devices = async () => {
  const r = await stack.get('/api/v1/devices', VIEWER);
  expect(r.status).toBe(200);
  return r.body.devices as { deviceId: string; state: string; reasons: string[]; reported: string | null; since: string | null }[];
};
const deviceA = async () => (await devices()).find((d) => d.deviceId === 'device-a')!;

/** Last `devices` event on the stream for device-a in the given state. */
const pushed = (sse: SseClient, state: string) => waitFor(`device-a ${state} pushed`, async () => {
  for (const e of [...sse.events].reverse()) {
    if (e.event !== 'devices') continue;
    const a = e.data.devices.find((d: { deviceId: string }) => d.deviceId === 'device-a');
    return a?.state === state ? a : null;
  }
  return null;
}, 30_000, 20);

describe.each(['pglite', 'postgres'] as const)('%s', (kind) => {
  beforeAll(async () => {
    // Assigned before start(), so afterAll stops what did start even if start() fails.
    stack = new Stack({ db: kind, env: { CRYSCOPE_VIEWER_KEYS: `device-a+device-b=${VIEWER}`, CRYSCOPE_OFFLINE_AFTER_S: String(OFFLINE_AFTER_S) } });
    await stack.start();
  });
  afterAll(async () => { await stack?.stop(); });

  describe('malformed state reports', () => {
    const bad: [string, unknown, string][] = [
      ['"offline" (derived, never reported)', { state: 'offline', since: '2026-03-02T00:00:00Z' }, '/device/state'],
      ['an unknown state', { state: 'asleep', since: '2026-03-02T00:00:00Z' }, '/device/state'],
      ['degraded without a reason', { state: 'degraded', since: '2026-03-02T00:00:00Z' }, '/device/reasons'],
      ['an unknown reason', { state: 'degraded', reasons: ['gremlins'], since: '2026-03-02T00:00:00Z' }, '/device/reasons/0'],
      ['a reason on paused', { state: 'paused', reasons: ['microphone-ended'], since: '2026-03-02T00:00:00Z' }, '/device/reasons'],
      ['a reason on stopped', { state: 'stopped', reasons: ['audio-closed'], since: '2026-03-02T00:00:00Z' }, '/device/reasons'],
      ['"Stopped" (states are lower case)', { state: 'Stopped', since: '2026-03-02T00:00:00Z' }, '/device/state'],
      ['February 30 as since', { state: 'paused', since: '2026-02-30T00:00:00Z' }, '/device/since'],
      ['an extra property', { state: 'paused', since: '2026-03-02T00:00:00Z', note: 'x' }, '/device/note'],
    ];
    for (const [name, device, path] of bad) {
      it(`refuses ${name} with 400 invalid_batch at ${path}, and stores nothing`, async () => {
        const sessionId = `bad-state-${path.replace(/\W/g, '')}-${name.length}`;
        const r = await stack.post({ ...makeBatch({ sessionId }), device });
        expect(r.status).toBe(400);
        expect(r.body.error).toBe('invalid_batch');
        expect(r.body.details.map((d: { path: string }) => d.path)).toContain(path);
        expect((await stack.get(`/api/v1/sessions/${sessionId}`)).status).toBe(404);
      });
    }

    it('nothing of the refused reports reached the device list', async () => {
      const a = await deviceA();
      expect(a.reported).toBeNull();
      expect(a.state).toBe('offline');
    });
  });

  describe('reported states', () => {
    it('listening → paused → degraded (reasons) → listening: stored, listed, pushed on the stream after storage', async () => {
      const sse = await new SseClient(stack.api.url, VIEWER).open();
      expect(sse.status).toBe(200);
      await pushed(sse, 'offline');

      const t = Date.now();
      const at = (s: number) => new Date(t + s * 1000).toISOString();
      await stack.postUntilAccepted(beat({ state: 'listening', since: at(0) }));
      expect(await pushed(sse, 'listening')).toMatchObject({ reported: 'listening', reasons: [], since: at(0), sessionId: 'state-1' });

      await stack.postUntilAccepted(beat({ state: 'paused', since: at(1) }));
      const paused = await pushed(sse, 'paused');
      // Pushed only once stored: the device list (read from the database) already says so.
      expect(await deviceA()).toMatchObject({ state: 'paused', reported: 'paused', since: at(1) });
      expect(paused.since).toBe(at(1));

      const reasons = ['microphone-ended', 'model-fallback'];
      await stack.postUntilAccepted(beat({ state: 'degraded', reasons: reasons as DeviceStateReport['reasons'], since: at(2) }));
      expect(await pushed(sse, 'degraded')).toMatchObject({ reasons, since: at(2) });
      expect(await deviceA()).toMatchObject({ state: 'degraded', reasons });

      // A batch with windows and events carries the state too; back to listening.
      await stack.postUntilAccepted({ ...makeBatch({ sessionId: 'state-1', t0: 10 }), device: { state: 'listening', since: at(3) } });
      expect(await pushed(sse, 'listening')).toMatchObject({ reasons: [], since: at(3) });
      await sse.close();
    });

    it('an older report arriving late (an outbox retry) does not replace a newer one', async () => {
      const t = Date.now() + 60_000; // after every `since` of the test before
      await stack.postUntilAccepted(beat({ state: 'paused', since: new Date(t).toISOString() }));
      await waitFor('paused stored', async () => (await deviceA()).state === 'paused', 30_000, 100);
      const batchesBefore = (await stack.get('/api/v1/sessions/state-1')).body.session.batches as number;
      const late = beat({ state: 'degraded', reasons: ['audio-suspended'], since: new Date(t - 120_000).toISOString() });
      await stack.postUntilAccepted(late);
      // Stored (its session counters moved), yet the state stays the newer one.
      await waitFor('late batch stored', async () => {
        const r = await stack.get('/api/v1/sessions/state-1');
        return r.status === 200 && r.body.session.batches === batchesBefore + 1;
      }, 30_000, 100);
      expect(await deviceA()).toMatchObject({ state: 'paused', since: new Date(t).toISOString() });
    });

    it('a paused device that stops sending becomes offline after the timeout, keeping what it last reported', async () => {
      const since = new Date(Date.now() + 120_000).toISOString(); // after the test before's
      await stack.postUntilAccepted(beat({ state: 'paused', since }));
      await waitFor('paused', async () => (await deviceA()).since === since, 30_000, 100);
      const off = await waitFor('offline', async () => {
        const a = await deviceA();
        return a.state === 'offline' ? a : null;
      }, (OFFLINE_AFTER_S + 10) * 1000, 250);
      expect(off).toMatchObject({ reported: 'paused', reasons: [] });
    });

    // stop() on the nursery page reports "stopped" and then sends nothing more: the caregiver must see
    // the deliberate stop at once and keep seeing it, not "offline" once the timeout has passed.
    it('a stopped device is pushed as stopped at once and stays stopped past the offline timeout; a new start is listening', async () => {
      const sse = await new SseClient(stack.api.url, VIEWER).open();
      const t = Date.now() + 180_000; // after the tests before's `since`
      await stack.postUntilAccepted(beat({ state: 'listening', since: new Date(t).toISOString() }, { sessionId: 'stop-1' }));
      await pushed(sse, 'listening');
      const stopSince = new Date(t + 1000).toISOString();
      await stack.postUntilAccepted(beat({ state: 'stopped', since: stopSince }, { sessionId: 'stop-1' }));
      expect(await pushed(sse, 'stopped')).toMatchObject({ reported: 'stopped', reasons: [], since: stopSince });
      const stoppedAt = Date.now();
      // Past the timeout (+2 s for the per-second re-derivation): still stopped, never pushed offline.
      await new Promise((r) => setTimeout(r, (OFFLINE_AFTER_S + 2) * 1000));
      expect(await deviceA()).toMatchObject({ state: 'stopped', reported: 'stopped' });
      const lastBatchAt = Date.parse((await deviceA() as unknown as { lastBatchAt: string }).lastBatchAt);
      expect(Date.now() - lastBatchAt).toBeGreaterThan(OFFLINE_AFTER_S * 1000); // silent for longer than the timeout
      const after = sse.events.filter((e) => e.event === 'devices').map((e) => e.data.devices.find((d: { deviceId: string }) => d.deviceId === 'device-a')?.state);
      expect(after.at(-1)).toBe('stopped');
      expect(after.slice(after.indexOf('stopped'))).not.toContain('offline');
      console.log(`stopped for ${Date.now() - stoppedAt} ms with offlineAfterSeconds ${OFFLINE_AFTER_S}: still stopped`);
      // The next start (a new session) reports listening with a later since.
      await stack.postUntilAccepted(beat({ state: 'listening', since: new Date(t + 2000).toISOString() }, { sessionId: 'stop-2' }));
      expect(await pushed(sse, 'listening')).toMatchObject({ reported: 'listening', sessionId: 'stop-2' });
      await sse.close();
    });

    it('a device that never reports a state (an older client) is listening while batches arrive', async () => {
      await stack.postUntilAccepted(makeBatch({ deviceId: 'device-b', sessionId: 'old-client' }));
      const b = await waitFor('device-b listening', async () => (await devices()).find((d) => d.deviceId === 'device-b' && d.state === 'listening'), 30_000, 100);
      expect(b).toMatchObject({ reported: null, reasons: [], since: null });
      expect(TOKENS['device-b']).toBeDefined();
    });
  });
});
