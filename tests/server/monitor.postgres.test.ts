// The caregiver stream on PostgreSQL with API and two workers as separate processes, one
// workflow per batch (CRYSCOPE_GROUP_MAX_BATCHES=1): many storage and publishing transactions
// commit concurrently on different connections, which is where feed numbers could become
// visible out of order. A stream open throughout must receive every event exactly once in id
// order, and a stream that drops and resumes with Last-Event-ID must receive the same sequence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../server/src/devstack/ports.js';
import { makeBatch } from './helpers/batches.js';
import { SseClient } from './helpers/sse-client.js';
import { streamLatency } from './helpers/stream-latency.js';
import { Stack } from './helpers/stack.js';

const VIEWER = 'viewer-both-devices-0123456789';
// Polling slowed to 10 s: events must still arrive promptly, woken by the workers' NOTIFY
// (another process) — the poll is only the fallback.
const POLL_MS = 10_000;
let stack: Stack;

beforeAll(async () => {
  // Assigned before start(), so afterAll stops what did start even if start() fails.
  stack = new Stack({ db: 'postgres', workers: 2, env: { CRYSCOPE_VIEWER_KEYS: `device-a+device-b=${VIEWER}`, CRYSCOPE_GROUP_MAX_BATCHES: '1', CRYSCOPE_STREAM_POLL_MS: String(POLL_MS) } });
  await stack.start();
});
afterAll(async () => { await stack?.stop(); });

const ids = (c: SseClient) => c.detections().map((e) => Number(e.id));

describe('caregiver stream under concurrent storage (PostgreSQL, 2 workers)', () => {
  it('every published event arrives exactly once, in id order, on a steady and on a resumed stream', async () => {
    const steady = await new SseClient(stack.api.url, VIEWER).open();
    const resumed = await new SseClient(stack.api.url, VIEWER).open();
    expect([steady.status, resumed.status]).toEqual([200, 200]);
    await waitFor('streams connected', async () => steady.events.length > 0 && resumed.events.length > 0, 10_000, 50);

    const batches = Array.from({ length: 60 }, (_, i) => makeBatch({ deviceId: i % 2 ? 'device-b' : 'device-a', sessionId: `conc-${i % 4}`, t0: i * 10 }));
    // Posted 12 at a time; the resumed stream drops after the first 24 batches and reconnects
    // with its Last-Event-ID while the rest are being stored.
    let second: SseClient | null = null;
    let firstPart: number[] = [];
    for (let i = 0; i < batches.length; i += 12) {
      await Promise.all(batches.slice(i, i + 12).map((b) => stack.postUntilAccepted(b)));
      if (i === 12) {
        await sleep(300);
        await resumed.close();
        firstPart = ids(resumed);
        second = await new SseClient(stack.api.url, VIEWER).open(String(firstPart.at(-1) ?? 0));
      }
    }
    await stack.expectStoredExactlyOnce(batches);
    const published = await waitFor('all 120 events published', async () => {
      const rows = await stack.query<{ seq: number }>('SELECT seq FROM events WHERE seq IS NOT NULL ORDER BY seq');
      return rows.length === 120 ? rows.map((r) => Number(r.seq)) : null;
    }, 30_000, 100);
    await waitFor('steady stream has all 120', async () => steady.detections().length >= 120, 30_000, 50);
    await waitFor('resumed stream has all 120', async () => firstPart.length + second!.detections().length >= 120, 30_000, 50);
    await sleep(800);
    expect(ids(steady)).toEqual(published);
    expect([...firstPart, ...ids(second!)]).toEqual(published);
    expect(firstPart.length).toBeGreaterThan(0);
    expect(second!.detections().length).toBeGreaterThan(0);
    await steady.close();
    await second!.close();
  });

  it('events arrive woken by NOTIFY from the worker processes, not by the (10 s) poll; latency printed', async () => {
    const sse = await new SseClient(stack.api.url, VIEWER).open();
    await waitFor('connected', async () => sse.events.length > 0, 10_000, 50);
    const { median } = await streamLatency(stack, sse, 'pg-latency', `PostgreSQL, 2 workers, LISTEN/NOTIFY, poll ${POLL_MS} ms`);
    await sse.close();
    // Not a latency goal: proof that the wake-up came from NOTIFY. Each post follows the previous
    // arrival, so by polling alone every event would wait most of a 10 s poll.
    expect(median).toBeLessThan(POLL_MS / 2);
  });
});
