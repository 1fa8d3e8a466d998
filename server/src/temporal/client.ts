import {
  Client, Connection, WorkflowExecutionAlreadyStartedError, defaultGrpcRetryOptions, makeGrpcRetryInterceptor,
} from '@temporalio/client';
import type { DetectionBatchV1 } from 'cryscope/protocol';
import type { ServerConfig } from '../config.js';
import { GroupCommitter } from './group-commit.js';
import type { IngestPolicy } from './shared.js';
import { createHash } from 'node:crypto';
import { clipWorkflowId } from './shared.js';
import { batchKey } from '../store/content-hash.js';
import { refuses, type Admission, type AdmissionItem } from '../store/admission.js';

/**
 * Workflow id of a group of batch ids ("<deviceId>/<batchId>@<content hash prefix>", see startBatch).
 * A lone batch is named by its idempotency key, so Temporal itself
 * dedupes a re-post. A group is named by a hash of its exact set of batch ids: the same set
 * again is a true duplicate, while a different set never collides with it (naming a group by
 * its first batch alone would make a later group [A, C] look like a duplicate of [A, B] and
 * silently drop C).
 */
export function batchWorkflowId(batchIds: string[]): string {
  if (batchIds.length === 1) return `batch-${batchIds[0].toLowerCase()}`;
  const h = createHash('sha256').update([...batchIds].map((id) => id.toLowerCase()).sort().join(',')).digest('hex').slice(0, 32);
  return `batches-${h}-n${batchIds.length}`;
}

/** What the group commit resolves every request of a group with: each item's admission, and the start. */
interface GroupStart {
  ids: string[];
  admissions: Admission[];
  /** The workflow carrying the group's admitted batches; absent when admission refused them all. */
  started?: StartResult;
}

/** Admission of a group of batches, one answer per item (store/admission.ts admitBatches). */
export type AdmitFn = (items: AdmissionItem[]) => Promise<Admission[]>;

/** Raised when Temporal cannot be reached; the API maps it to 503 + Retry-After. */
export class TemporalUnavailableError extends Error {}

export interface StartResult {
  workflowId: string;
  runId?: string;
  /** True when this batch's workflow already existed (a duplicate post). */
  duplicate: boolean;
  /** Batches carried by the workflow (group commit). */
  groupSize?: number;
}

/**
 * The API's handle on Temporal. The connection is lazy (the API starts even when Temporal
 * is down) and fails fast: a few quick gRPC retries within a 3 s deadline, then 503 — the
 * client retries, the request does not hang.
 */
export class IngestClient {
  readonly connection: Connection;
  readonly client: Client;
  private readonly policy: IngestPolicy;
  readonly groups: GroupCommitter<AdmissionItem, GroupStart>;

  /** `admit` decides each batch's admission before its workflow starts (see startBatch). */
  constructor(private readonly config: ServerConfig, private readonly admit: AdmitFn) {
    this.connection = Connection.lazy({
      address: config.temporalAddress,
      connectTimeout: '2s',
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3, maxIntervalMs: () => 300 }))],
    });
    this.client = new Client({ connection: this.connection, namespace: config.temporalNamespace });
    this.policy = {
      activityTimeoutSeconds: config.activityTimeoutSeconds,
      retryMaxIntervalSeconds: config.retryMaxIntervalSeconds,
      localStorage: config.localActivities,
    };
    this.groups = new GroupCommitter((batches, ids) => this.startGroup(batches, ids), {
      maxBatches: config.groupMaxBatches, maxInFlight: config.groupMaxInFlight,
    });
  }

  /**
   * Resolves once Temporal has durably accepted a workflow carrying this batch (alone, or in a
   * group with batches that arrived at the same time). `bytes` = its JSON size; `hash` = its
   * contentHash. The id names the content too: an identical re-post is deduplicated by
   * Temporal, while other content under the same key (only possible when admission could not
   * check it) still travels to storage, which records it as a dead letter — joining the
   * first copy's workflow would drop it silently.
   */
  async startBatch(batch: DetectionBatchV1, bytes: number, hash: string): Promise<{ admission: Admission; started?: StartResult }> {
    const id = `${batchKey(batch.deviceId, batch.batchId)}@${hash.slice(0, 16)}`;
    const group = await this.groups.submit({ batch: { ...batch, batchId: batch.batchId.toLowerCase() }, hash }, id, bytes);
    const admission = group.admissions[group.ids.indexOf(id)];
    return { admission, started: refuses(admission) ? undefined : group.started };
  }

  /**
   * Admission first, for the whole group in one statement (so under load it costs one
   * statement per group, not per batch), then one workflow for the batches it admitted.
   */
  private async startGroup(items: AdmissionItem[], ids: string[]): Promise<GroupStart> {
    const admissions = await this.admit(items);
    const admitted = items.filter((_, i) => !refuses(admissions[i]));
    if (!admitted.length) return { ids, admissions };
    const admittedIds = ids.filter((_, i) => !refuses(admissions[i]));
    const batches = admitted.map((item) => item.batch);
    const memo = {
      batches: admittedIds.length,
      devices: [...new Set(batches.map((b) => b.deviceId))].slice(0, 20),
      sessions: [...new Set(batches.map((b) => b.sessionId))].slice(0, 20),
    };
    const r = await this.start(batchWorkflowId(admittedIds), 'ingestBatchWorkflow', [{ batches, policy: this.policy, source: 'browser' }], memo);
    return { ids, admissions, started: { ...r, groupSize: admittedIds.length } };
  }

  async startClip(clipId: string, deviceId: string, sessionId: string): Promise<StartResult> {
    return this.start(clipWorkflowId(clipId), 'classifyClipWorkflow', [{ clipId, deviceId, sessionId, policy: this.policy }], { deviceId, sessionId });
  }

  private async start(workflowId: string, type: string, args: unknown[], memo: Record<string, unknown>): Promise<StartResult> {
    try {
      const handle = await this.connection.withDeadline(Date.now() + 3000, () =>
        this.client.workflow.start(type, {
          taskQueue: this.config.taskQueue,
          workflowId,
          args,
          memo,
          // A running duplicate joins the existing run; a completed one is rejected (caught
          // below, answered 202 duplicate); a failed one may be started again.
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        }));
      return { workflowId, runId: handle.firstExecutionRunId, duplicate: false };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, duplicate: true };
      throw new TemporalUnavailableError(`Temporal did not accept the workflow: ${(err as Error).message}`);
    }
  }

  /** Readiness probe: the frontend answers a cheap RPC within 2 s. */
  async ping(): Promise<void> {
    await this.connection.withDeadline(Date.now() + 2000, () =>
      this.connection.workflowService.getSystemInfo({}));
  }

  async close() {
    await this.connection.close();
  }
}
