/**
 * Clip storage (POST /api/v1/clips → classifyClipWorkflow): every statement on the clips
 * table, as store/batches.ts holds the batches'. A clip row keeps the uploaded audio until it
 * is classified (or fails), then its status and the clip-level verdict.
 */
import type { ClipHeader } from '../clips/audio-header.js';
import type { Db } from '../db/adapter.js';

export interface NewClip {
  clipId: string;
  deviceId: string;
  sessionId: string;
  mediaType: ClipHeader['format'];
  audio: Uint8Array;
}

/** Stores an uploaded clip once: an upload retried under the same clipId is a no-op. */
export async function insertClip(db: Db, clip: NewClip) {
  await db.query(
    `INSERT INTO clips (clip_id, device_id, session_id, media_type, bytes, audio) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (clip_id) DO NOTHING`,
    [clip.clipId, clip.deviceId, clip.sessionId, clip.mediaType, clip.audio.length, clip.audio],
  );
}

/** What the classifier needs of a stored clip; null when there is no such clip. */
export async function clipForClassification(db: Db, clipId: string) {
  const r = await db.query<{ device_id: string; session_id: string; received_at: Date | string; audio: Uint8Array | null }>(
    'SELECT device_id, session_id, received_at, audio FROM clips WHERE clip_id = $1', [clipId]);
  return r.rows[0] ?? null;
}

/** Keeps the clip-level verdict with the clip, for GET /api/v1/clips/{id}. */
export async function saveClipResult(db: Db, clipId: string, result: unknown) {
  await db.query('UPDATE clips SET result = $2::jsonb WHERE clip_id = $1', [clipId, JSON.stringify(result)]);
}

/** Marks a clip classified; its audio is dropped unless keepAudio. */
export async function finishClip(db: Db, clipId: string, keepAudio: boolean) {
  await db.query(
    `UPDATE clips SET status = 'classified', audio = CASE WHEN $2 THEN audio ELSE NULL END WHERE clip_id = $1`,
    [clipId, keepAudio],
  );
}

/** Marks a clip failed with the reason (at most 2000 characters) and drops its audio. */
export async function markClipFailed(db: Db, clipId: string, error: string) {
  await db.query(`UPDATE clips SET status = 'failed', error = $2, audio = NULL WHERE clip_id = $1`, [clipId, error.slice(0, 2000)]);
}

/**
 * A clip's status and result with the events stored from it (its batch has batchId = clipId),
 * as the API shows them; null when there is no such clip or it belongs to another device
 * (deviceId null: any device, for admin keys).
 */
export async function clipWithEvents(db: Db, clipId: string, deviceId: string | null) {
  const r = await db.query<Record<string, unknown>>(
    `SELECT clip_id AS "clipId", device_id AS "deviceId", session_id AS "sessionId", status, error, bytes, received_at AS "receivedAt", result
     FROM clips WHERE clip_id = $1 AND ($2::text IS NULL OR device_id = $2)`,
    [clipId, deviceId],
  );
  if (!r.rows.length) return null;
  const events = await db.query(
    `SELECT type, label, start_s AS "start", end_s AS "end", peak, mean FROM events WHERE device_id = $2 AND batch_id = $1 ORDER BY idx`,
    [clipId, r.rows[0].deviceId]);
  return { clip: r.rows[0], events: events.rows };
}
