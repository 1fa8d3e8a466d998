/**
 * Activities: every side effect of the ingest workflows. Built by a factory so the worker
 * injects its database, configuration and identity (no globals; testable).
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import type { DetectionBatchV1 } from 'cryscope/protocol';
import type { ServerConfig } from '../config.js';
import type { Db } from '../db/adapter.js';
import { markAlerted, pendingAlerts, type BatchRef, type StoreOptions } from '../store/batches.js';
import { recordDeadLetters } from '../store/dead-letters.js';
import { storeBatch, storeBatchGroup } from '../store/batch-group.js';
import { publishEvents } from '../store/event-feed.js';
import { classifyStoredClip, type ClipClassifier } from '../clips/classify.js';
import { finishClip, markClipFailed } from '../store/clips.js';

export interface ActivityDeps {
  db: Db;
  config: ServerConfig;
  /** Worker identity recorded with each stored batch. */
  identity: string;
  /** Loaded lazily on first clip; null when clips are not available. */
  clipClassifier?: () => Promise<ClipClassifier>;
  /** Injected into every storage transaction (StoreOptions.beforeCommit); none in production. */
  beforeCommit?: StoreOptions['beforeCommit'];
}

/** SQLSTATE classes that mean "this data can never be stored": retrying would not help. */
const PERMANENT_SQLSTATE = /^(22|23)/;

interface StoreBatchesResult extends BatchRef { stored: boolean; events: number; episodes: number; rejected?: string }

const isPermanent = (err: unknown) => {
  const code = (err as { code?: string }).code;
  return Boolean(code && PERMANENT_SQLSTATE.test(code));
};

export function createActivities(deps: ActivityDeps) {
  const { db, config } = deps;

  /**
   * The fallback: each batch in its own transaction. A batch the database refuses is recorded
   * in dead_letters with the reason (visible to its device at GET /api/v1/dead-letters) and
   * reported rejected, instead of being retried forever or dropped with only a log line.
   */
  async function storeOneByOne(batches: DetectionBatchV1[], opts: StoreOptions) {
    const results: StoreBatchesResult[] = [];
    for (const batch of batches) {
      const ref = { deviceId: batch.deviceId, batchId: batch.batchId };
      try {
        results.push({ ...ref, ...(await storeBatch(db, batch, opts)) });
      } catch (err) {
        if (!isPermanent(err)) throw err;
        const { code, message } = err as Error & { code: string };
        const reason = `the database refused the batch (SQLSTATE ${code}): ${message}`;
        log.error('batch rejected by the database; recorded as a dead letter', { ...ref, error: reason });
        await recordDeadLetters(db, [{ batch, reason }]);
        results.push({ ...ref, stored: false, events: 0, episodes: 0, rejected: reason });
      }
    }
    return results;
  }

  return {
    /**
     * Stores the group's batches in ONE set-based transaction (a few statements per group, not
     * per batch). If the database rejects that transaction's data (SQLSTATE 22/23), the batches
     * are stored again one per transaction, so one bad batch cannot block the others and is
     * reported as rejected instead of retried forever. A transient failure (database down)
     * throws so Temporal retries the activity; batches already stored are no-ops on the retry.
     */
    async storeBatches(batches: DetectionBatchV1[], source: 'browser' | 'clip') {
      const opts: StoreOptions = { episodeMinSeconds: config.episodeMinSeconds, storedBy: deps.identity, source, beforeCommit: deps.beforeCommit };
      let results: StoreBatchesResult[];
      try {
        const stored = await storeBatchGroup(db, batches, opts);
        results = batches.map((b, i) => ({ deviceId: b.deviceId, batchId: b.batchId, ...stored[i] }));
      } catch (err) {
        if (!isPermanent(err)) throw err;
        log.warn('group rejected by the database; storing its batches one by one', { batches: batches.length, error: (err as Error).message });
        results = await storeOneByOne(batches, opts);
      }
      // Store first, then notify: the caregiver feed numbers the events only now that their
      // storage committed (store/event-feed.ts). All accepted batches, not just the new ones:
      // a previous attempt may have stored them and died before publishing. Batches without
      // events (most of them) cost nothing here.
      await publishEvents(db, results.filter((r, i) => !r.rejected && batches[i].events.length > 0).map(({ deviceId, batchId }) => ({ deviceId, batchId })));
      return { results, alertsConfigured: Boolean(config.alertWebhookUrl) };
    },

    /** POSTs one alert per unsent episode of the batch, marking each sent; at-least-once with an idempotency key. */
    async sendAlerts(refs: BatchRef[]): Promise<number> {
      if (!config.alertWebhookUrl) return 0;
      let sent = 0;
      for (const ep of await pendingAlerts(db, refs)) {
        const startedAt = ep.started_at instanceof Date ? ep.started_at.toISOString() : new Date(ep.started_at).toISOString();
        const body = {
          type: 'cryscope.episode',
          deviceId: ep.device_id, sessionId: ep.session_id, label: ep.label,
          start: ep.start_s, end: ep.end_s, durationSeconds: ep.duration_s, peak: ep.peak, startedAt,
        };
        const res = await fetch(config.alertWebhookUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            // Same key on every retry so the receiver can drop duplicates.
            'idempotency-key': `${ep.device_id}/${ep.session_id}/${ep.label}/${ep.start_s}`,
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) throw new Error(`alert webhook answered ${res.status}`);
        await markAlerted(db, ep.device_id, ep.session_id, ep.label, ep.start_s);
        sent++;
      }
      if (sent) log.info('alerts sent', { batches: refs.length, sent });
      return sent;
    },

    async classifyClip(clipId: string): Promise<DetectionBatchV1> {
      if (!deps.clipClassifier) throw ApplicationFailure.nonRetryable('clip classification is not available on this worker', 'ClipsUnavailable');
      return classifyStoredClip(db, clipId, await deps.clipClassifier());
    },

    async finishClip(clipId: string) {
      await finishClip(db, clipId, config.keepClipAudio);
    },

    async markClipFailed(clipId: string, error: string) {
      await markClipFailed(db, clipId, error);
    },
  };
}
