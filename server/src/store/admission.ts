import type { DetectionBatchV1 } from 'cryscope/protocol';
import type { Db } from '../db/adapter.js';

/**
 * Admission: the API's check, before it answers 202, that a batch's idempotency key
 * (device, batchId) is new or a true duplicate, and that its sessionStartedAt agrees with the
 * session's. Decided by the admit_batch function (migration 003), called for every batch of a
 * group in ONE statement — admission rides on the group commit of workflow starts, so under
 * load it costs one statement per group, not per batch — and concurrent posts of one key are
 * decided by the database's primary key.
 */
export type Admission =
  | { kind: 'new' }
  /** The same key with the same content was received before (stored, or on its way). */
  | { kind: 'duplicate' }
  /** The same key with other content: refused, nothing changed. */
  | { kind: 'conflict' }
  /** The session is recorded with another start (ISO `knownStart`): refused, nothing changed. */
  | { kind: 'session_conflict'; knownStart: string }
  /** The database refused the values themselves (a validator gap): refused, nothing changed. */
  | { kind: 'invalid'; message: string }
  /**
   * The database could not be asked (down, slower than ADMISSION_TIMEOUT_MS, or a deadlock
   * between API processes). The batch is accepted unchecked rather than refused — ingest must
   * not depend on the database — and storage applies the same rules, recording a violation as
   * a dead letter.
   */
  | { kind: 'unchecked'; error: string };

export interface AdmissionItem {
  batch: DetectionBatchV1;
  /** contentHash(batch). */
  hash: string;
}

/**
 * Longest wait for the admission statement, ms. Normally a few ms; past this the database is
 * treated as unavailable for these requests (see 'unchecked').
 */
export const ADMISSION_TIMEOUT_MS = 2000;

const PERMANENT = /^(22|23)/;

/** Admits a group of batches (distinct batch+content pairs); one answer per item, in order. */
export async function admitBatches(db: Db, items: AdmissionItem[]): Promise<Admission[]> {
  if (!items.length) return [];
  try {
    return await admitInOneStatement(db, items);
  } catch (err) {
    const { code, message } = err as Error & { code?: string };
    if (!code || !PERMANENT.test(code)) return items.map(() => ({ kind: 'unchecked', error: message }));
    // One batch's values refused (a validator gap) fail the whole statement: ask one by one,
    // so only that batch is refused.
    if (items.length === 1) return [{ kind: 'invalid', message }];
    const answers: Admission[] = [];
    for (const item of items) answers.push(...await admitBatches(db, [item]));
    return answers;
  }
}

async function admitInOneStatement(db: Db, items: AdmissionItem[]): Promise<Admission[]> {
  const rows = items.map(({ batch, hash }, ord) => ({
    ord, device_id: batch.deviceId, batch_id: batch.batchId, content_hash: hash, session_id: batch.sessionId, started_at: batch.sessionStartedAt,
  }));
  let timer: NodeJS.Timeout | undefined;
  try {
    // Calls run in key order (the sub-select's ORDER BY; OFFSET 0 keeps it from being
    // flattened), so two groups lock shared keys in the same order.
    const r = await Promise.race([
      db.query<{ ord: number; admission: string }>(
        `SELECT r.ord, admit_batch(r.device_id, r.batch_id, r.content_hash, r.session_id, r.started_at) AS admission
         FROM (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(ord int, device_id text, batch_id uuid, content_hash text, session_id text, started_at timestamptz)
               ORDER BY x.device_id, x.batch_id, x.ord OFFSET 0) r`,
        [JSON.stringify(rows)]),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ADMISSION_TIMEOUT_MS} ms`)), ADMISSION_TIMEOUT_MS); }),
    ]);
    const answers: Admission[] = items.map(() => ({ kind: 'unchecked', error: 'no answer for this batch' }));
    for (const { ord, admission } of r.rows) answers[ord] = parseAdmission(admission);
    return answers;
  } finally {
    clearTimeout(timer);
  }
}

function parseAdmission(text: string): Admission {
  if (text === 'new' || text === 'duplicate' || text === 'conflict') return { kind: text };
  const m = /^session_conflict:(.+)$/.exec(text);
  if (m) return { kind: 'session_conflict', knownStart: m[1] };
  return { kind: 'unchecked', error: `admit_batch answered "${text}"` };
}

/** Admissions that refuse the batch (answered 4xx, nothing started). */
export const refuses = (a: Admission) => a.kind === 'conflict' || a.kind === 'session_conflict' || a.kind === 'invalid';
