import {
  Client, Connection, WorkflowExecutionAlreadyStartedError, defaultGrpcRetryOptions, makeGrpcRetryInterceptor,
} from '@temporalio/client';
import type { DetectionBatchV1 } from '../../../web/src/protocol/index.js';
import type { ServerConfig } from '../config.js';
import type { IngestPolicy } from './shared.js';
import { batchWorkflowId, clipWorkflowId } from './shared.js';

/** Raised when Temporal cannot be reached; the API maps it to 503 + Retry-After. */
export class TemporalUnavailableError extends Error {}

export interface StartResult {
  workflowId: string;
  runId?: string;
  /** True when this batch's workflow already existed (a duplicate post). */
  duplicate: boolean;
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

  constructor(private readonly config: ServerConfig) {
    this.connection = Connection.lazy({
      address: config.temporalAddress,
      connectTimeout: '2s',
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3, maxIntervalMs: () => 300 }))],
    });
    this.client = new Client({ connection: this.connection, namespace: config.temporalNamespace });
    this.policy = { activityTimeoutSeconds: config.activityTimeoutSeconds, retryMaxIntervalSeconds: config.retryMaxIntervalSeconds };
  }

  /** Starts ingestBatchWorkflow for the batch; resolves once Temporal has durably accepted it. */
  async startBatch(batch: DetectionBatchV1): Promise<StartResult> {
    const workflowId = batchWorkflowId(batch.batchId);
    return this.start(workflowId, 'ingestBatchWorkflow', [{ batch, policy: this.policy, source: 'browser' }],
      { deviceId: batch.deviceId, sessionId: batch.sessionId, windows: batch.windows.length, events: batch.events.length });
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
