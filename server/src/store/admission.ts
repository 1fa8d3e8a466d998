import type { DetectionBatchV1 } from '../../../web/src/protocol/index.js';
import type { Db } from '../db/adapter.js';

/**
 * Admission: the API's check, before it answers 202, that a batch's idempotency key
 * (device, batchId) is new or a true duplicate, and that its sessionStartedAt agrees with the
 * session's. One statement (the admit_batch function, migration 003), so it is atomic and
 * concurrent posts of one key are decided by the database's primary key.
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
   * The database could not be asked (down, or slower than ADMISSION_TIMEOUT_MS). The batch
   * is accepted unchecked rather than refused — ingest must not depend on the database — and
   * storage applies the same rules, recording a violation as a dead letter.
   */
  | { kind: 'unchecked'; error: string };

/**
 * Longest wait for the admission statement, ms. Normally ~1 ms; past this the database is
 * treated as unavailable for this request (see 'unchecked').
 */
export const ADMISSION_TIMEOUT_MS = 2000;

export async function admitBatch(db: Db, batch: DetectionBatchV1, hash: string): Promise<Admission> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const r = await Promise.race([
      db.query<{ admission: string }>('SELECT admit_batch($1, $2, $3, $4, $5) AS admission',
        [batch.deviceId, batch.batchId, hash, batch.sessionId, batch.sessionStartedAt]),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ADMISSION_TIMEOUT_MS} ms`)), ADMISSION_TIMEOUT_MS); }),
    ]);
    const kind = r.rows[0].admission;
    if (kind === 'new' || kind === 'duplicate' || kind === 'conflict') return { kind };
    throw new Error(`admit_batch answered "${kind}"`);
  } catch (err) {
    const { code, message } = err as Error & { code?: string };
    if (code === 'CS409') return { kind: 'session_conflict', knownStart: message };
    if (code && /^(22|23)/.test(code)) return { kind: 'invalid', message };
    return { kind: 'unchecked', error: message };
  } finally {
    clearTimeout(timer);
  }
}
