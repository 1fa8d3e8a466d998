import type { Db } from '../db/adapter.js';

/**
 * Read side for the query endpoints. `deviceId` scopes every query: a device key sees its
 * own sessions; an admin key passes the device it asks about.
 */

/** One session row as the API returns it (listSessions and getSession must not drift apart). */
const SESSION_COLUMNS = `device_id AS "deviceId", session_id AS "sessionId", started_at AS "startedAt",
  first_batch_at AS "firstBatchAt", last_batch_at AS "lastBatchAt", batch_count AS "batches",
  window_count AS "windows", event_count AS "events", last_time_s AS "lastTimeSeconds"`;

export async function listSessions(db: Db, deviceId: string | null, limit: number, offset: number) {
  const r = await db.query(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE ($1::text IS NULL OR device_id = $1)
     ORDER BY last_batch_at DESC, device_id, session_id LIMIT $2 OFFSET $3`,
    [deviceId, limit, offset],
  );
  return r.rows.map(isoDates);
}

export async function getSession(db: Db, deviceId: string, sessionId: string) {
  const r = await db.query(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE device_id = $1 AND session_id = $2`,
    [deviceId, sessionId],
  );
  return r.rows.length ? isoDates(r.rows[0]) : null;
}

export async function sessionEvents(db: Db, deviceId: string, sessionId: string, limit: number, offset: number) {
  const r = await db.query(
    `SELECT e.type, e.label, e.start_s AS "start", e.end_s AS "end", e.peak, e.mean, e.batch_id AS "batchId"
     FROM events e JOIN batches b ON b.device_id = e.device_id AND b.batch_id = e.batch_id
     WHERE e.device_id = $1 AND e.session_id = $2
     ORDER BY e.start_s, b.sent_at, e.batch_id, e.idx LIMIT $3 OFFSET $4`,
    [deviceId, sessionId, limit, offset],
  );
  return r.rows.map(dropNulls);
}

export async function sessionEpisodes(db: Db, deviceId: string, sessionId: string) {
  const r = await db.query(
    `SELECT label, start_s AS "start", end_s AS "end", duration_s AS "durationSeconds", peak, mean,
            started_at AS "startedAt", day::text AS "day", alerted_at AS "alertedAt"
     FROM episodes WHERE device_id = $1 AND session_id = $2 ORDER BY start_s, label`,
    [deviceId, sessionId],
  );
  return r.rows.map((row) => dropNulls(isoDates(row)));
}

/**
 * Counts and total duration of cry/scream per session and UTC day: `occurrences` and
 * `totalSeconds` count every closed cry/scream (offset event); `episodes` and
 * `episodeSeconds` only those at least episodeMinSeconds long.
 */
export async function stats(db: Db, deviceId: string | null, sessionId: string | null) {
  const r = await db.query(
    `WITH occ AS (
       SELECT e.device_id, e.session_id, e.label,
              ((s.started_at + e.start_s * interval '1 second') AT TIME ZONE 'UTC')::date AS day,
              count(*) AS occurrences, sum(e.end_s - e.start_s) AS total_seconds
       FROM events e JOIN sessions s ON s.device_id = e.device_id AND s.session_id = e.session_id
       WHERE e.type = 'offset' AND ($1::text IS NULL OR e.device_id = $1) AND ($2::text IS NULL OR e.session_id = $2)
       GROUP BY 1, 2, 3, 4),
     epi AS (
       SELECT device_id, session_id, label, day, count(*) AS episodes, sum(duration_s) AS episode_seconds
       FROM episodes WHERE ($1::text IS NULL OR device_id = $1) AND ($2::text IS NULL OR session_id = $2)
       GROUP BY 1, 2, 3, 4)
     SELECT o.device_id AS "deviceId", o.session_id AS "sessionId", o.day::text AS "day", o.label,
            o.occurrences, o.total_seconds AS "totalSeconds",
            coalesce(p.episodes, 0) AS episodes, coalesce(p.episode_seconds, 0) AS "episodeSeconds"
     FROM occ o LEFT JOIN epi p USING (device_id, session_id, label, day)
     ORDER BY 1, 2, 3, 4`,
    [deviceId, sessionId],
  );
  return r.rows.map((row) => ({ ...row, occurrences: Number(row.occurrences), episodes: Number(row.episodes) }));
}

/** Batches answered 202 that storage refused for good, newest first, with the reason. */
export async function deadLetters(db: Db, deviceId: string | null, limit: number, offset: number) {
  const r = await db.query(
    `SELECT device_id AS "deviceId", batch_id::text AS "batchId", session_id AS "sessionId", reason, rejected_at AS "rejectedAt"
     FROM dead_letters WHERE ($1::text IS NULL OR device_id = $1)
     ORDER BY rejected_at DESC, device_id, batch_id LIMIT $2 OFFSET $3`,
    [deviceId, limit, offset],
  );
  return r.rows.map(isoDates);
}

function isoDates<T extends Record<string, unknown>>(row: T): T {
  const out: Record<string, unknown> = { ...row };
  for (const [k, v] of Object.entries(out)) if (v instanceof Date) out[k] = v.toISOString();
  return out as T;
}

function dropNulls<T extends Record<string, unknown>>(row: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (v !== null) out[k] = v;
  return out as T;
}
