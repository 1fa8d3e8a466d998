import type { DetectionBatchV1 } from 'cryscope/protocol';
import type { Db } from '../db/adapter.js';

export interface StoreResult {
  /** False when the batch was already stored (a retry or a duplicate post) or is rejected. */
  stored: boolean;
  events: number;
  episodes: number;
  /** Set when the batch can never be stored: why (it is recorded in dead_letters). */
  rejected?: string;
}

/** Identifies a stored batch: batchIds are unique per device only. */
export interface BatchRef {
  deviceId: string;
  batchId: string;
}

export interface StoreOptions {
  episodeMinSeconds: number;
  /** Who stored it (the Temporal worker identity). */
  storedBy: string;
  source?: 'browser' | 'clip';
  /**
   * Runs inside the storage transaction after its last write, before it commits, with the
   * batches being stored. Production passes none; a test harness can inject one (e.g. to hold
   * the transaction open and kill the worker mid-activity: tests/server/helpers/hold-worker.mjs).
   */
  beforeCommit?: (batches: readonly DetectionBatchV1[]) => Promise<void>;
}

/** One row per event, in the shape the events INSERTs read with jsonb_to_recordset. */
export function eventRows(batch: DetectionBatchV1) {
  return batch.events.map((e, idx) => ({ idx, type: e.type, label: e.label, start_s: e.start, end_s: e.end ?? null, peak: e.peak, mean: e.mean ?? null }));
}

/** Latest session-relative time in a batch (its windows' ends and events' ends/starts), seconds. */
export function lastTimeOf(batch: DetectionBatchV1): number {
  let last = 0;
  for (const w of batch.windows) last = Math.max(last, w.end);
  for (const e of batch.events) last = Math.max(last, e.end ?? e.start);
  return last;
}

/** Episodes of these batches whose alert has not been delivered yet. */
export async function pendingAlerts(db: Db, refs: BatchRef[]) {
  const r = await db.query<{ device_id: string; session_id: string; label: string; start_s: number; end_s: number; duration_s: number; peak: number; started_at: Date | string }>(
    `SELECT device_id, session_id, label, start_s, end_s, duration_s, peak, started_at FROM episodes
     WHERE (device_id, batch_id) IN (SELECT r."deviceId", r."batchId" FROM jsonb_to_recordset($1::jsonb) AS r("deviceId" text, "batchId" uuid))
       AND alerted_at IS NULL ORDER BY device_id, session_id, start_s`,
    [JSON.stringify(refs.map(({ deviceId, batchId }) => ({ deviceId, batchId })))],
  );
  return r.rows;
}

export async function markAlerted(db: Db, deviceId: string, sessionId: string, label: string, startS: number) {
  await db.query(
    `UPDATE episodes SET alerted_at = now() WHERE device_id = $1 AND session_id = $2 AND label = $3 AND start_s = $4`,
    [deviceId, sessionId, label, startS],
  );
}
