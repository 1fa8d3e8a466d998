/**
 * Post → arrival latency on the caregiver stream: posts `count` one-onset batches, each after
 * the previous one arrived plus 0-222 ms (so posts do not fall in step with the server's
 * poll), and returns the sorted latencies with a one-line summary for the test output.
 */
import { sleep, waitFor } from '../../../server/src/devstack/ports.js';
import { makeBatch } from './batches.js';
import type { SseClient } from './sse-client.js';
import type { Stack } from './stack.js';

export async function streamLatency(stack: Stack, sse: SseClient, sessionId: string, setup: string, count = 20) {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const b = makeBatch({ sessionId, t0: i * 10, events: [{ type: 'onset', label: 'cry', start: i * 10 + 0.5, peak: 0.9 }] });
    const t0 = performance.now();
    await stack.postUntilAccepted(b);
    const ev = await waitFor(`event ${i}`, async () => sse.detections().find((e) => e.data.batchId === b.batchId) ?? null, 30_000, 5);
    latencies.push(ev.at - t0);
    await sleep(37 * (i % 7));
  }
  const sorted = latencies.sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  console.log(`[monitor latency] POST -> SSE arrival over ${count} onsets (${setup}): median ${q(0.5).toFixed(0)} ms, p95 ${q(0.95).toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`);
  return { sorted, median: q(0.5) };
}
