/**
 * Set-based storage of a GROUP of batches (the batches one ingest workflow carries): a small,
 * constant number of statements per group instead of ~7 per batch, because the worker's
 * per-statement cost was the largest CPU consumer under load.
 *
 * Same guarantees and the same rows as storing the batches one group of one at a time (storeBatch):
 *  - exactly once per (device, batchId): the batches INSERT ... ON CONFLICT DO NOTHING tells us
 *    which batches are new; only those get events, episodes and session counters;
 *  - all-or-nothing: everything runs in one transaction;
 *  - the first occurrence wins: of a key repeated inside the group, and of an episode key
 *    produced by several batches (later ones report stored=false / fewer episodes);
 *  - never silently dropped: a batch whose key is stored with OTHER content (canonical hash,
 *    content-hash.ts), or whose sessionStartedAt contradicts its stored session, is recorded
 *    in dead_letters with the reason, in the same transaction, and reported `rejected`. The API
 *    refuses both with 409 before accepting; this catches what it could not check (database
 *    down at admission).
 *
 * Locking: each statement touches its rows in key order (ORDER BY before the INSERT), so two
 * groups that share sessions or episode keys wait for each other instead of deadlocking.
 *
 * A data error (SQLSTATE 22/23) fails the whole group; the caller then falls back to storeBatch
 * per batch, so one bad batch cannot block the others.
 */
import type { DetectionBatchV1 } from 'cryscope/protocol';
import type { Db, Queryable } from '../db/adapter.js';
import { eventRows, lastTimeOf, type StoreOptions, type StoreResult } from './batches.js';
import { batchKey, contentHash } from './content-hash.js';
import { recordDeadLetters, type DeadLetter } from './dead-letters.js';
import { upsertDeviceStates } from './device-states.js';
import { deriveEpisodes } from './episodes.js';

/** A batch's idempotency key (PostgreSQL returns uuids lower-case; the protocol accepts either case). */
const keyOf = (b: { deviceId: string; batchId: string }) => batchKey(b.deviceId, b.batchId);
/** A session's identity within the group. */
const sessionKey = (b: DetectionBatchV1) => JSON.stringify([b.deviceId, b.sessionId]);

/**
 * Stores the batches in one transaction; returns one result per input batch, in input order.
 * Throws what the database throws (the caller tells transient from permanent errors).
 */
export async function storeBatchGroup(db: Db, batches: DetectionBatchV1[], opts: StoreOptions): Promise<StoreResult[]> {
  const hashes = batches.map(contentHash);
  // Later copies of a key in the group are duplicates of the first, or conflicts if their content differs.
  const firstIndex = new Map<string, number>();
  batches.forEach((b, i) => { if (!firstIndex.has(keyOf(b))) firstIndex.set(keyOf(b), i); });
  const candidates = [...firstIndex.values()].map((i) => ({ batch: batches[i], hash: hashes[i] }));

  return db.transaction(async (tx) => {
    const rejected = new Map<number, string>();
    batches.forEach((b, i) => {
      const first = firstIndex.get(keyOf(b))!;
      if (first !== i && hashes[first] !== hashes[i]) rejected.set(i, conflictReason(b));
    });
    await insertSessions(tx, candidates.map((c) => c.batch));
    // Clip batches start their session at the clip's arrival; a second clip in a session keeps
    // the first start, as before (their times are clip-relative either way; not checked here).
    const wrongStart = opts.source === 'clip' ? new Map<string, string>() : await sessionStartConflicts(tx, candidates.map((c) => c.batch));
    for (const [key, known] of wrongStart) {
      const i = firstIndex.get(key)!;
      rejected.set(i, `sessionStartedAt ${batches[i].sessionStartedAt} contradicts the stored start ${known} of session "${batches[i].sessionId}"`);
    }
    const admissible = candidates.filter((c) => !wrongStart.has(keyOf(c.batch)));
    const fresh = await insertBatches(tx, admissible, opts);
    for (const key of await storedContentConflicts(tx, admissible.filter((c) => !fresh.has(keyOf(c.batch))))) {
      const i = firstIndex.get(key)!;
      rejected.set(i, conflictReason(batches[i]));
    }
    const newBatches = admissible.filter((c) => fresh.has(keyOf(c.batch))).map((c) => c.batch);
    await insertEvents(tx, newBatches);
    const episodes = await insertEpisodes(tx, newBatches, opts.episodeMinSeconds);
    await addSessionCounters(tx, newBatches);
    await upsertDeviceStates(tx, newBatches);
    await recordDeadLetters(tx, [...rejected].map(([i, reason]): DeadLetter => ({ batch: batches[i], reason })));
    await opts.beforeCommit?.(batches);

    return batches.map((b, i): StoreResult => {
      const key = keyOf(b);
      if (rejected.has(i)) return { stored: false, events: 0, episodes: 0, rejected: rejected.get(i) };
      if (firstIndex.get(key) !== i || !fresh.has(key)) return { stored: false, events: 0, episodes: 0 };
      return { stored: true, events: b.events.length, episodes: episodes.get(key) ?? 0 };
    });
  });
}

/**
 * Stores one batch exactly once: a group of one, so the single-batch path (the storeBatches
 * activity's fallback after a refused group) has the same rules and SQL.
 */
export async function storeBatch(db: Db, batch: DetectionBatchV1, opts: StoreOptions): Promise<StoreResult> {
  const [result] = await storeBatchGroup(db, [batch], opts);
  return result;
}

const conflictReason = (b: DetectionBatchV1) =>
  `batchId ${b.batchId} of device "${b.deviceId}" is already stored with different content`;

/** Distinct sessions of the group; the first batch of a session supplies its start time. */
function distinctSessions(batches: DetectionBatchV1[]) {
  const sessions = new Map<string, { device_id: string; session_id: string; started_at: string }>();
  for (const b of batches) {
    const key = sessionKey(b);
    if (!sessions.has(key)) sessions.set(key, { device_id: b.deviceId, session_id: b.sessionId, started_at: b.sessionStartedAt });
  }
  return [...sessions.values()];
}

/** Creates the sessions not seen before; the first batch of a session supplies its start. */
async function insertSessions(tx: Queryable, batches: DetectionBatchV1[]) {
  await tx.query(
    `INSERT INTO sessions (device_id, session_id, started_at)
     SELECT s.device_id, s.session_id, s.started_at
     FROM jsonb_to_recordset($1::jsonb) AS s(device_id text, session_id text, started_at timestamptz)
     ORDER BY s.device_id, s.session_id
     ON CONFLICT (device_id, session_id) DO NOTHING`,
    [JSON.stringify(distinctSessions(batches))],
  );
}

/**
 * Keys of the batches whose session is already stored with ANOTHER start time, with that time.
 * Compared in SQL (timestamptz), so "…:00Z" and "…+00:00" are the same start.
 */
async function sessionStartConflicts(tx: Queryable, batches: DetectionBatchV1[]): Promise<Map<string, string>> {
  if (!batches.length) return new Map();
  const rows = batches.map((b) => ({ device_id: b.deviceId, batch_id: b.batchId, session_id: b.sessionId, started_at: b.sessionStartedAt }));
  const r = await tx.query<{ device_id: string; batch_id: string; known: Date | string }>(
    `SELECT c.device_id, c.batch_id::text, s.started_at AS known
     FROM jsonb_to_recordset($1::jsonb) AS c(device_id text, batch_id uuid, session_id text, started_at timestamptz)
     JOIN sessions s ON s.device_id = c.device_id AND s.session_id = c.session_id
     WHERE s.started_at <> c.started_at`,
    [JSON.stringify(rows)],
  );
  return new Map(r.rows.map((row) => [batchKey(row.device_id, row.batch_id), new Date(row.known).toISOString()]));
}

/** Inserts the batch rows; returns the keys of the batches that were not stored before. */
async function insertBatches(tx: Queryable, batches: { batch: DetectionBatchV1; hash: string }[], opts: StoreOptions): Promise<Set<string>> {
  if (!batches.length) return new Set();
  const rows = batches.map(({ batch: b, hash }) => ({
    batch_id: b.batchId, device_id: b.deviceId, session_id: b.sessionId, sent_at: b.sentAt, content_hash: hash,
    models: b.models, windows: b.windows, window_count: b.windows.length, event_count: b.events.length,
  }));
  const r = await tx.query<{ device_id: string; batch_id: string }>(
    `INSERT INTO batches (batch_id, device_id, session_id, source, sent_at, stored_by, content_hash, models, windows, window_count, event_count)
     SELECT b.batch_id, b.device_id, b.session_id, $2::text, b.sent_at, $3::text, b.content_hash, b.models, b.windows, b.window_count, b.event_count
     FROM jsonb_to_recordset($1::jsonb) AS b(batch_id uuid, device_id text, session_id text, sent_at timestamptz,
       content_hash text, models jsonb, windows jsonb, window_count int, event_count int)
     ORDER BY b.device_id, b.batch_id
     ON CONFLICT (device_id, batch_id) DO NOTHING
     RETURNING device_id, batch_id::text`,
    [JSON.stringify(rows), opts.source ?? 'browser', opts.storedBy],
  );
  return new Set(r.rows.map((row) => batchKey(row.device_id, row.batch_id)));
}

/**
 * Of batches whose key was already stored, the keys stored with OTHER content. A row stored
 * before migration 003 has no hash and counts as the same content (a duplicate).
 */
async function storedContentConflicts(tx: Queryable, stale: { batch: DetectionBatchV1; hash: string }[]): Promise<string[]> {
  if (!stale.length) return [];
  const rows = stale.map(({ batch: b, hash }) => ({ device_id: b.deviceId, batch_id: b.batchId, content_hash: hash }));
  const r = await tx.query<{ device_id: string; batch_id: string }>(
    `SELECT c.device_id, c.batch_id::text
     FROM jsonb_to_recordset($1::jsonb) AS c(device_id text, batch_id uuid, content_hash text)
     JOIN batches b ON b.device_id = c.device_id AND b.batch_id = c.batch_id
     WHERE b.content_hash IS NOT NULL AND b.content_hash <> c.content_hash`,
    [JSON.stringify(rows)],
  );
  return r.rows.map((row) => batchKey(row.device_id, row.batch_id));
}

/** All events of the new batches, one statement. */
async function insertEvents(tx: Queryable, batches: DetectionBatchV1[]) {
  const rows = batches.flatMap((b) => eventRows(b).map((e) => ({ ...e, batch_id: b.batchId, device_id: b.deviceId, session_id: b.sessionId })));
  if (!rows.length) return;
  await tx.query(
    `INSERT INTO events (batch_id, idx, device_id, session_id, type, label, start_s, end_s, peak, mean)
     SELECT r.batch_id, r.idx, r.device_id, r.session_id, r.type, r.label, r.start_s, r.end_s, r.peak, r.mean
     FROM jsonb_to_recordset($1::jsonb) AS r(batch_id uuid, idx int, device_id text, session_id text,
       type text, label text, start_s float8, end_s float8, peak float8, mean float8)`,
    [JSON.stringify(rows)],
  );
}

/**
 * Episodes derived from the new batches, one statement; returns how many each batch added.
 * An episode key already stored (or produced by an earlier batch of this group: `ord` breaks
 * the tie in group order) adds nothing, as with storeBatch.
 */
async function insertEpisodes(tx: Queryable, batches: DetectionBatchV1[], minSeconds: number): Promise<Map<string, number>> {
  const rows = batches.flatMap((b) => deriveEpisodes(b.events, b.sessionStartedAt, minSeconds)
    .map((ep) => ({ ...ep, batch_id: b.batchId, device_id: b.deviceId, session_id: b.sessionId })))
    .map((row, ord) => ({ ...row, ord }));
  const added = new Map<string, number>();
  if (!rows.length) return added;
  const r = await tx.query<{ device_id: string; batch_id: string }>(
    `INSERT INTO episodes (device_id, session_id, label, start_s, end_s, duration_s, peak, mean, day, started_at, batch_id)
     SELECT r.device_id, r.session_id, r.label, r."startS", r."endS", r."durationS", r.peak, r.mean, r.day::date, r."startedAt"::timestamptz, r.batch_id
     FROM jsonb_to_recordset($1::jsonb) AS r(device_id text, session_id text, label text, "startS" float8, "endS" float8,
       "durationS" float8, peak float8, mean float8, day text, "startedAt" text, batch_id uuid, ord int)
     ORDER BY r.device_id, r.session_id, r.label, r."startS", r.ord
     ON CONFLICT DO NOTHING
     RETURNING device_id, batch_id::text`,
    [JSON.stringify(rows)],
  );
  for (const row of r.rows) {
    const key = batchKey(row.device_id, row.batch_id);
    added.set(key, (added.get(key) ?? 0) + 1);
  }
  return added;
}

/** The new batches' contribution to each session's counters, one entry per session. */
function sessionCounters(batches: DetectionBatchV1[]) {
  const counters = new Map<string, { device_id: string; session_id: string; started_at: string; batches: number; windows: number; events: number; last_time_s: number }>();
  for (const b of batches) {
    const key = sessionKey(b);
    const c = counters.get(key) ?? { device_id: b.deviceId, session_id: b.sessionId, started_at: b.sessionStartedAt, batches: 0, windows: 0, events: 0, last_time_s: 0 };
    c.batches += 1;
    c.windows += b.windows.length;
    c.events += b.events.length;
    c.last_time_s = Math.max(c.last_time_s, lastTimeOf(b));
    counters.set(key, c);
  }
  return [...counters.values()];
}

/**
 * Adds the new batches to their sessions' counters, one statement. Written as an upsert
 * rather than UPDATE ... FROM because an INSERT consumes its ORDER BY in order, so the session
 * rows are locked in key order (no deadlock between groups); the sessions all exist already
 * (insertSessions), so the INSERT branch never runs (started_at only satisfies NOT NULL).
 */
async function addSessionCounters(tx: Queryable, batches: DetectionBatchV1[]) {
  if (!batches.length) return;
  await tx.query(
    `INSERT INTO sessions (device_id, session_id, started_at, batch_count, window_count, event_count, last_time_s)
     SELECT c.device_id, c.session_id, c.started_at, c.batches, c.windows, c.events, c.last_time_s
     FROM jsonb_to_recordset($1::jsonb) AS c(device_id text, session_id text, started_at timestamptz,
       batches int, windows int, events int, last_time_s float8)
     ORDER BY c.device_id, c.session_id
     ON CONFLICT (device_id, session_id) DO UPDATE SET
       batch_count = sessions.batch_count + EXCLUDED.batch_count,
       window_count = sessions.window_count + EXCLUDED.window_count,
       event_count = sessions.event_count + EXCLUDED.event_count,
       last_batch_at = now(),
       last_time_s = GREATEST(sessions.last_time_s, EXCLUDED.last_time_s)`,
    [JSON.stringify(sessionCounters(batches))],
  );
}
