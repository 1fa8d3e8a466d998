import type { DetectionBatchV1 } from 'cryscope/protocol';

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
  /** Store through a local activity (fewer Temporal round trips; see workflows.ts). */
  localStorage?: boolean;
}

export interface IngestBatchInput {
  /** One or more batches accepted together (group commit, see group-commit.ts); distinct batchIds. */
  batches: DetectionBatchV1[];
  policy: IngestPolicy;
  /** Where the batch came from: a browser/device post or a server-side classified clip. */
  source?: 'browser' | 'clip';
}

export interface IngestBatchResult {
  /** Batches newly stored by this run (others were already stored: duplicates or retries). */
  stored: number;
  duplicates: number;
  /** Batches storage refused for good, each recorded in dead_letters with its reason. */
  rejected: number;
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

export const clipWorkflowId = (clipId: string) => `clip-${clipId.toLowerCase()}`;
