/**
 * Ingest workflows. They only orchestrate: every side effect is an activity (activities.ts).
 *
 * Design choice: ONE SHORT WORKFLOW PER BATCH (workflow id = "batch-<batchId>") rather than a
 * long-lived per-session workflow fed by signal-with-start:
 *  - the batchId is the client's idempotency key, so Temporal itself rejects a second start
 *    of the same batch while the database's primary key guards the rare case after Temporal's
 *    retention has forgotten it — two independent layers of exactly-once;
 *  - batches carry everything needed (session start, absolute times, offsets with start+end),
 *    so no per-session state must live in a workflow; episodes are derived from stored data;
 *  - no hot per-session history, no continue-as-new bookkeeping, no signal ordering issues,
 *    and any number of workers can process one session's batches in parallel (scale-out);
 *  - the Temporal UI shows one small, readable history per batch (memo: device, session).
 */
import { ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities.js';
import type { ClipInput, IngestBatchInput, IngestBatchResult } from './shared.js';

type Activities = ReturnType<typeof activities.createActivities>;

function storageActivities(input: { policy: IngestBatchInput['policy'] }) {
  return proxyActivities<Activities>({
    startToCloseTimeout: `${input.policy.activityTimeoutSeconds}s`,
    // Storage must never give up: a database outage only delays a batch. Unlimited attempts,
    // exponential backoff capped at retryMaxIntervalSeconds. Bad data is non-retryable
    // (thrown as such by the activity), so it cannot loop forever.
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: `${input.policy.retryMaxIntervalSeconds}s` },
  });
}

function alertActivities(input: { policy: IngestBatchInput['policy'] }) {
  return proxyActivities<Activities>({
    startToCloseTimeout: '15s',
    // A webhook receiver that stays down for ~10 minutes is reported, not retried forever:
    // the episode stays stored with alerted_at NULL.
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: `${input.policy.retryMaxIntervalSeconds}s`, maximumAttempts: 12 },
  });
}

export async function ingestBatchWorkflow(input: IngestBatchInput): Promise<IngestBatchResult> {
  const { storeBatch } = storageActivities(input);
  const stored = await storeBatch(input.batch, input.source ?? 'browser');
  let alertsSent = 0;
  let alertError: string | undefined;
  // Alerts are checked even when this run found the batch already stored: a previous run may
  // have stored it and died before alerting. sendAlerts only sends what is not yet marked sent.
  if (stored.alertsConfigured && (stored.episodes > 0 || !stored.stored)) {
    try {
      alertsSent = await alertActivities(input).sendAlerts(input.batch.batchId);
    } catch (err) {
      alertError = (err as Error).message;
      log.warn('alert webhook failed after retries', { batchId: input.batch.batchId, error: alertError });
    }
  }
  return { stored: stored.stored, events: stored.events, episodes: stored.episodes, alertsSent, alertError };
}

/**
 * A clip uploaded to POST /api/v1/clips: classify it on the server with the same WASM core +
 * ONNX models as the browser, then store the result through the same idempotent path as a
 * browser batch (batchId = clipId), then drop the audio unless configured.
 */
export async function classifyClipWorkflow(input: ClipInput): Promise<IngestBatchResult> {
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: '120s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: `${input.policy.retryMaxIntervalSeconds}s`, maximumAttempts: 5 },
  });
  let batch;
  try {
    batch = await acts.classifyClip(input.clipId);
  } catch (err) {
    await storageActivities(input).markClipFailed(input.clipId, (err as Error).message);
    throw ApplicationFailure.nonRetryable(`clip ${input.clipId} could not be classified: ${(err as Error).message}`);
  }
  const result = await ingestBatchWorkflow({ batch, policy: input.policy, source: 'clip' });
  await storageActivities(input).finishClip(input.clipId);
  return result;
}
