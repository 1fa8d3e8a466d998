/**
 * The caregiver feed (issue #14): stored onset/offset events in the order they were
 * published, each with a sequence number the stream uses as its SSE id (Last-Event-ID).
 *
 * Store first, then notify: events are inserted with seq NULL by the storage transaction and
 * only get a sequence number here, in a second transaction after that one committed — so a
 * caregiver can never be shown an event the database does not have. The advisory lock makes
 * publishing transactions run one at a time: numbers are drawn and committed in the same
 * order, so a reader that saw seq N cannot later find a committed row numbered below N (with
 * plain bigserial, two concurrent transactions may commit out of order and a reader would
 * skip the late one for good).
 *
 * Publishing also sends NOTIFY on FEED_CHANNEL (delivered at commit), so open streams can look
 * at once instead of at their next poll; the poll stays, so a lost notification only delays.
 */
import type { Db, Queryable } from '../db/adapter.js';
import type { BatchRef } from './batches.js';

/** Arbitrary constant key of the advisory lock that serialises publishing. */
const PUBLISH_LOCK = 727_270_014;

/** NOTIFY channel: "events were published" (no payload; readers query for what is new). */
export const FEED_CHANNEL = 'cryscope_feed';

/** Numbers the not-yet-published events of these (stored) batches; returns how many. Idempotent. */
export async function publishEvents(db: Db, refs: BatchRef[]): Promise<number> {
  if (!refs.length) return 0;
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PUBLISH_LOCK]);
    // A MATERIALIZED CTE draws each number exactly once, in the ORDER BY's order (nextval in a
    // joined subquery may be re-evaluated when the planner rescans it, leaving gaps).
    const r = await tx.query(
      `WITH todo AS MATERIALIZED (
         SELECT p.device_id, p.batch_id, p.idx, nextval('event_feed_seq') AS seq FROM (
           SELECT ev.device_id, ev.batch_id, ev.idx FROM events ev
           WHERE (ev.device_id, ev.batch_id) IN (SELECT r."deviceId", r."batchId" FROM jsonb_to_recordset($1::jsonb) AS r("deviceId" text, "batchId" uuid))
             AND ev.seq IS NULL
           ORDER BY ev.device_id, ev.batch_id, ev.idx) p
       )
       UPDATE events e SET seq = todo.seq FROM todo
       WHERE e.device_id = todo.device_id AND e.batch_id = todo.batch_id AND e.idx = todo.idx`,
      [JSON.stringify(refs.map(({ deviceId, batchId }) => ({ deviceId, batchId })))],
    );
    if (r.rowCount > 0) await tx.query(`NOTIFY ${FEED_CHANNEL}`);
    return r.rowCount;
  });
}

/** One published onset/offset, as the stream sends it. */
export interface FeedEvent {
  /** Feed sequence number (the SSE id). */
  id: number;
  deviceId: string;
  sessionId: string;
  batchId: string;
  type: 'onset' | 'offset';
  label: 'cry' | 'scream';
  /** Session-relative start / end, seconds (end only on offsets). */
  start: number;
  end: number | null;
  peak: number;
  /** Wall-clock time of the event's start: session start + start (ISO-8601 UTC). */
  at: string;
}

/** Published events of these devices after `afterId`, oldest first, at most `limit`. */
export async function feedAfter(db: Queryable, devices: string[] | null, afterId: number, limit: number): Promise<FeedEvent[]> {
  const r = await db.query<{ id: number | string; device_id: string; session_id: string; batch_id: string; type: FeedEvent['type']; label: FeedEvent['label']; start_s: number; end_s: number | null; peak: number; at: Date | string }>(
    `SELECT e.seq AS id, e.device_id, e.session_id, e.batch_id::text, e.type, e.label, e.start_s, e.end_s, e.peak,
            s.started_at + e.start_s * interval '1 second' AS at
     FROM events e JOIN sessions s USING (device_id, session_id)
     WHERE e.seq > $1 AND ($2::text[] IS NULL OR e.device_id = ANY($2::text[]))
     ORDER BY e.seq LIMIT $3`,
    [afterId, devices, limit],
  );
  return r.rows.map((row) => ({
    id: Number(row.id), deviceId: row.device_id, sessionId: row.session_id, batchId: row.batch_id,
    type: row.type, label: row.label, start: row.start_s, end: row.end_s, peak: row.peak,
    at: new Date(row.at).toISOString(),
  }));
}

/** The newest published sequence number (0 when none): where a fresh stream starts. */
export async function feedHead(db: Queryable): Promise<number> {
  const r = await db.query<{ head: number | string | null }>('SELECT max(seq) AS head FROM events');
  return Number(r.rows[0]?.head ?? 0);
}
