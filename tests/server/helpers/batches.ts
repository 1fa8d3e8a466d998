import { randomUUID } from 'node:crypto';
import type { BatchEvent, DetectionBatchV1 } from 'cryscope/protocol';
import { contentHash } from '../../../server/src/store/content-hash.js';

export interface BatchOptions {
  deviceId?: string;
  sessionId?: string;
  windows?: number;
  /** Session time of the first window, seconds. */
  t0?: number;
  events?: BatchEvent[];
  sessionStartedAt?: string;
}

/** A valid cryscope.batch/1 batch with a fresh batchId. */
export function makeBatch(o: BatchOptions = {}): DetectionBatchV1 {
  const t0 = o.t0 ?? 0;
  return {
    schema: 'cryscope.batch/1',
    batchId: randomUUID(),
    sessionId: o.sessionId ?? 'session-1',
    deviceId: o.deviceId ?? 'device-a',
    sentAt: new Date().toISOString(),
    sessionStartedAt: o.sessionStartedAt ?? '2026-03-01T23:59:50.000Z',
    models: { yamnet: 'test-1', wav2vec2: 'test-1', core: '0.1.0' },
    windows: Array.from({ length: o.windows ?? 4 }, (_, i) => ({
      start: t0 + i * 0.5,
      end: t0 + i * 0.5 + 0.975,
      probs: { yamnet: [0.7, 0.1, 0.2], wav2vec2: [0.6, 0.1, 0.3], fused: [0.65, 0.1, 0.25] },
    })),
    events: o.events ?? [
      { type: 'onset', label: 'cry', start: t0 + 0.5, peak: 0.8 },
      { type: 'offset', label: 'cry', start: t0 + 0.5, end: t0 + 6.5, peak: 0.9, mean: 0.75 },
    ],
  };
}

/** Temporal workflow id of a batch started alone (server/src/temporal/client.ts startBatch, batchWorkflowId). */
export const workflowIdOf = (b: DetectionBatchV1) => `batch-${b.deviceId}/${b.batchId.toLowerCase()}@${contentHash(b).slice(0, 16)}`;
