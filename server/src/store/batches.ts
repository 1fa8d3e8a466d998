import type { DetectionBatchV1 } from '../../../web/src/protocol/index.js';
import type { Db } from '../db/adapter.js';
import { deriveEpisodes } from './episodes.js';

export interface StoreResult {
  /** False when the batch was already stored (a retry or a duplicate post). */
  stored: boolean;
  events: number;
  episodes: number;
}

export interface StoreOptions {
  episodeMinSeconds: number;
  /** Who stored it (the Temporal worker identity). */
  storedBy: string;
  source?: 'browser' | 'clip';
  /** Test hook: wait this long inside the transaction, ms (lets a test kill the worker mid-activity). */
  holdMs?: number;
}

/**
 * Stores one batch exactly once: session, batch, events and derived episodes are written in
 * one transaction, keyed by batchId. A second call with the same batch finds the row, writes
 * nothing and reports stored=false; a crash mid-way rolls back everything.
 */
export async function storeBatch(db: Db, batch: DetectionBatchV1, opts: StoreOptions): Promise<StoreResult> {
  return db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO sessions (device_id, session_id, started_at) VALUES ($1, $2, $3)
       ON CONFLICT (device_id, session_id) DO NOTHING`,
      [batch.deviceId, batch.sessionId, batch.sessionStartedAt],
    );
    const inserted = await tx.query(
      `INSERT INTO batches (batch_id, device_id, session_id, source, sent_at, stored_by, models, windows, window_count, event_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10)
       ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id`,
      [batch.batchId, batch.deviceId, batch.sessionId, opts.source ?? 'browser', batch.sentAt, opts.storedBy,
        JSON.stringify(batch.models), JSON.stringify(batch.windows), batch.windows.length, batch.events.length],
    );
    if (inserted.rows.length === 0) return { stored: false, events: 0, episodes: 0 };

    if (batch.events.length) {
      const rows = eventRows(batch);
      await tx.query(
        `INSERT INTO events (batch_id, idx, device_id, session_id, type, label, start_s, end_s, peak, mean)
         SELECT $1, r.idx, $2, $3, r.type, r.label, r.start_s, r.end_s, r.peak, r.mean
         FROM jsonb_to_recordset($4::jsonb) AS r(idx int, type text, label text, start_s float8, end_s float8, peak float8, mean float8)`,
        [batch.batchId, batch.deviceId, batch.sessionId, JSON.stringify(rows)],
      );
    }

    const lastTime = lastTimeOf(batch);
    await tx.query(
      `UPDATE sessions SET batch_count = batch_count + 1, window_count = window_count + $3,
         event_count = event_count + $4, last_batch_at = now(), last_time_s = GREATEST(last_time_s, $5)
       WHERE device_id = $1 AND session_id = $2`,
      [batch.deviceId, batch.sessionId, batch.windows.length, batch.events.length, lastTime],
    );

    const episodes = deriveEpisodes(batch.events, batch.sessionStartedAt, opts.episodeMinSeconds);
    let newEpisodes = 0;
    if (episodes.length) {
      const r = await tx.query(
        `INSERT INTO episodes (device_id, session_id, label, start_s, end_s, duration_s, peak, mean, day, started_at, batch_id)
         SELECT $1, $2, r.label, r."startS", r."endS", r."durationS", r.peak, r.mean, r.day::date, r."startedAt"::timestamptz, $3
         FROM jsonb_to_recordset($4::jsonb) AS r(label text, "startS" float8, "endS" float8, "durationS" float8, peak float8, mean float8, day text, "startedAt" text)
         ON CONFLICT DO NOTHING`,
        [batch.deviceId, batch.sessionId, batch.batchId, JSON.stringify(episodes)],
      );
      newEpisodes = r.rowCount;
    }
    if (opts.holdMs) await new Promise((r) => setTimeout(r, opts.holdMs));
    return { stored: true, events: batch.events.length, episodes: newEpisodes };
  });
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
export async function pendingAlerts(db: Db, batchIds: string[]) {
  const r = await db.query<{ device_id: string; session_id: string; label: string; start_s: number; end_s: number; duration_s: number; peak: number; started_at: Date | string }>(
    `SELECT device_id, session_id, label, start_s, end_s, duration_s, peak, started_at FROM episodes
     WHERE batch_id = ANY($1::uuid[]) AND alerted_at IS NULL ORDER BY device_id, session_id, start_s`,
    [batchIds],
  );
  return r.rows;
}

export async function markAlerted(db: Db, deviceId: string, sessionId: string, label: string, startS: number) {
  await db.query(
    `UPDATE episodes SET alerted_at = now() WHERE device_id = $1 AND session_id = $2 AND label = $3 AND start_s = $4`,
    [deviceId, sessionId, label, startS],
  );
}
