import type { DetectionBatchV1 } from '../../../web/src/protocol/index.js';

/**
 * Types shared by the workflow, its activities and the client. Kept free of Node imports:
 * the workflow bundle (webpack, deterministic sandbox) imports this file.
 */

/** Retry/timeout knobs chosen by the API process and carried in the workflow input, so the
 * workflow code stays deterministic while tests can shorten them. */
export interface IngestPolicy {
  /** Start-to-close timeout of each activity attempt, seconds. */
  activityTimeoutSeconds: number;
  /** Longest pause between activity retries, seconds. */
  retryMaxIntervalSeconds: number;
}

export interface IngestBatchInput {
  batch: DetectionBatchV1;
  policy: IngestPolicy;
  /** Where the batch came from: a browser/device post or a server-side classified clip. */
  source?: 'browser' | 'clip';
}

export interface IngestBatchResult {
  stored: boolean;
  events: number;
  episodes: number;
  alertsSent: number;
  alertError?: string;
}

export interface ClipInput {
  clipId: string;
  deviceId: string;
  sessionId: string;
  policy: IngestPolicy;
}

/** One workflow per batch, named by the idempotency key (see client.ts for why). */
export const batchWorkflowId = (batchId: string) => `batch-${batchId.toLowerCase()}`;
export const clipWorkflowId = (clipId: string) => `clip-${clipId.toLowerCase()}`;
