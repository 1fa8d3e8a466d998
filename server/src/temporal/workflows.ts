/**
 * Ingest workflows. They only orchestrate: every side effect is an activity (activities.ts).
 *
 * Design choice: SHORT WORKFLOWS PER ACCEPTED BATCH GROUP, not a long-lived per-session
 * workflow fed by signal-with-start:
 *  - a batch carries everything needed (session start, session-relative times, offsets with
 *    start and end), so no per-session state has to live in a workflow; episodes are derived
 *    from the batch itself and keyed in the database;
 *  - no hot per-session history, no continue-as-new bookkeeping, no signal ordering, and any
 *    number of workers can process one session's batches in parallel (scale-out);
 *  - exactly-once is layered: a lone batch's workflow id is "batch-<deviceId>/<batchId>", so
 *    Temporal rejects a re-post; the database's primary key on (device, batchId) catches everything else
 *    (groups, re-posts after Temporal's retention, activity retries);
 *  - under load the API groups the batches that arrive while a start is in flight into one
 *    workflow (group commit, ../temporal/group-commit.ts): Temporal's cost per batch falls
 *    by the group size, which is what lets a small dev server sustain hundreds of batches/s.
 *  - the Temporal UI shows one small, readable history per group (memo: devices, sessions).
 */
import { ApplicationFailure, log, proxyActivities, proxyLocalActivities, type RetryPolicy } from '@temporalio/workflow';
import type * as activities from './activities.js';
import type { ClipInput, IngestBatchInput, IngestBatchResult, IngestPolicy } from './shared.js';

type Activities = ReturnType<typeof activities.createActivities>;

/**
 * The retry policy of every activity: exponential backoff (×2) from `initialInterval`, capped
 * at the policy's retryMaxIntervalSeconds; unlimited attempts unless `maximumAttempts`.
 */
function retryPolicy(policy: IngestPolicy, initialInterval: RetryPolicy['initialInterval'], maximumAttempts?: number): RetryPolicy {
  const retry: RetryPolicy = { initialInterval, backoffCoefficient: 2, maximumInterval: `${policy.retryMaxIntervalSeconds}s` };
  if (maximumAttempts !== undefined) retry.maximumAttempts = maximumAttempts;
  return retry;
}

/**
 * Storage must never give up: a database outage only delays a batch. Unlimited attempts.
 * Data the database can never accept is reported per batch by the activity, so it cannot
 * loop forever.
 */
const storageOptions = (policy: IngestPolicy) => ({
  startToCloseTimeout: `${policy.activityTimeoutSeconds}s`,
  retry: retryPolicy(policy, '500ms'),
});

function storageActivities(policy: IngestPolicy) {
  return proxyActivities<Activities>(storageOptions(policy));
}

/**
 * The same storage activity run as a LOCAL activity (policy.localStorage): executed by the
 * worker inside the workflow task, so Temporal persists one marker instead of scheduling,
 * dispatching and completing an activity task — several fewer round trips per workflow.
 * Same retry policy; a worker dying mid-way makes the workflow task time out and another
 * worker re-runs it (the database keeps it exactly-once).
 */
function localStorageActivities(policy: IngestPolicy) {
  return proxyLocalActivities<Activities>(storageOptions(policy));
}

function alertActivities(policy: IngestPolicy) {
  return proxyActivities<Activities>({
    startToCloseTimeout: '60s',
    // A webhook receiver that stays down through 12 attempts is reported, not retried
    // forever: the episode stays stored with alerted_at NULL.
    retry: retryPolicy(policy, '1s', 12),
  });
}

export async function ingestBatchWorkflow(input: IngestBatchInput): Promise<IngestBatchResult> {
  const store = input.policy.localStorage ? localStorageActivities(input.policy) : storageActivities(input.policy);
  const r = await store.storeBatches(input.batches, input.source ?? 'browser');
  let alertsSent = 0;
  let alertError: string | undefined;
  // Alerts are checked for batches this run found already stored too: a previous run may have
  // stored them and died before alerting. sendAlerts only sends what is not yet marked sent.
  const alertRefs = r.alertsConfigured
    ? r.results.filter((b) => !b.rejected && (b.episodes > 0 || !b.stored)).map(({ deviceId, batchId }) => ({ deviceId, batchId }))
    : [];
  if (alertRefs.length) {
    try {
      alertsSent = await alertActivities(input.policy).sendAlerts(alertRefs);
    } catch (err) {
      alertError = (err as Error).message;
      log.warn('alert webhook failed after retries', { batches: alertRefs, error: alertError });
    }
  }
  // Rejected batches are in dead_letters (queryable by their device); the log is for operators.
  const rejected = r.results.filter((b) => b.rejected);
  if (rejected.length) log.error('batches rejected (recorded as dead letters)', { rejected });
  return {
    stored: r.results.filter((b) => b.stored).length,
    duplicates: r.results.filter((b) => !b.stored && !b.rejected).length,
    rejected: rejected.length,
    events: r.results.reduce((a, b) => a + b.events, 0),
    episodes: r.results.reduce((a, b) => a + b.episodes, 0),
    alertsSent,
    alertError,
  };
}

/**
 * A clip uploaded to POST /api/v1/clips: classify it on the server with the same WASM core +
 * ONNX models as the browser, then store the result through the same idempotent path as a
 * browser batch (batchId = clipId), then drop the audio unless configured.
 */
export async function classifyClipWorkflow(input: ClipInput): Promise<IngestBatchResult> {
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: '120s',
    retry: retryPolicy(input.policy, '1s', 5),
  });
  let batch;
  try {
    batch = await acts.classifyClip(input.clipId);
  } catch (err) {
    await storageActivities(input.policy).markClipFailed(input.clipId, (err as Error).message);
    throw ApplicationFailure.nonRetryable(`clip ${input.clipId} could not be classified: ${(err as Error).message}`);
  }
  const result = await ingestBatchWorkflow({ batches: [batch], policy: input.policy, source: 'clip' });
  await storageActivities(input.policy).finishClip(input.clipId);
  return result;
}
