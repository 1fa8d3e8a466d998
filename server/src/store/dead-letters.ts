import type { DetectionBatchV1 } from 'cryscope/protocol';
import type { Queryable } from '../db/adapter.js';

/** A batch answered 202 that storage refuses for good, and why. */
export interface DeadLetter {
  batch: DetectionBatchV1;
  reason: string;
}

/** Reasons are shown to clients: keep them short and valid text (no NUL, no lone surrogates). */
const cleanReason = (s: string) => s.replace(/\u0000/g, '').replace(/[\ud800-\udfff]/gu, '\ufffd').slice(0, 2000);

/**
 * Records dead letters (once per (device, batchId): a retried activity adds nothing). The batch
 * is kept as JSON text, which JSON.stringify makes plain ASCII-safe (NUL and lone surrogates
 * escaped), so even content the database refused as jsonb can be kept for inspection.
 */
export async function recordDeadLetters(q: Queryable, letters: DeadLetter[]) {
  if (!letters.length) return;
  const rows = letters.map(({ batch, reason }) => ({
    device_id: batch.deviceId, batch_id: batch.batchId, session_id: batch.sessionId, reason: cleanReason(reason), batch: JSON.stringify(batch),
  }));
  await q.query(
    `INSERT INTO dead_letters (device_id, batch_id, session_id, reason, batch)
     SELECT d.device_id, d.batch_id, d.session_id, d.reason, d.batch
     FROM jsonb_to_recordset($1::jsonb) AS d(device_id text, batch_id uuid, session_id text, reason text, batch text)
     ORDER BY d.device_id, d.batch_id
     ON CONFLICT (device_id, batch_id) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}
