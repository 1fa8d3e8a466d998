import type { FastifyInstance, FastifyReply } from 'fastify';
import { validateBatch, type DetectionBatchV1 } from 'cryscope/protocol';
import type { Admission } from '../../store/admission.js';
import { schemaProblems } from '../batch-schema.js';
import { contentHash } from '../../store/content-hash.js';
import { TemporalUnavailableError } from '../../temporal/client.js';
import type { AppDeps } from '../deps.js';
import { sendError } from '../errors.js';

/**
 * POST /api/v1/detections — one cryscope.batch/1 batch. Answers 202 only after Temporal has
 * durably accepted the batch's workflow; 503 + Retry-After when Temporal cannot be reached
 * (nothing was accepted, so the client's retry is safe: the batchId makes it idempotent).
 *
 * Before the start, admission (store/admission.ts, run by the group commit for all batches
 * arriving together) checks the idempotency key (device, batchId): the same content again →
 * 202 duplicate; other content → 409, nothing changed; a sessionStartedAt contradicting the
 * session's → 409. If the database cannot answer, the batch is accepted unchecked (a database
 * outage delays storage but does not refuse data) and storage applies the same rules as dead
 * letters.
 */
export function registerDetections(app: FastifyInstance, { ingest }: AppDeps) {
  app.post('/api/v1/detections', async (req, reply) => {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/(.+\+)?json\b/i.test(type)) {
      return sendError(reply, 415, 'unsupported_media_type', `send the batch as application/json (got "${type || 'no Content-Type'}")`);
    }
    // validateBatch (human messages, cross-field rules) and the published JSON Schema both apply.
    const v = validateBatch(req.body);
    const problems = v.ok ? schemaProblems(req.body) : v.errors;
    if (!v.ok || problems.length) {
      return sendError(reply, 400, 'invalid_batch', `the batch does not match cryscope.batch/1: ${problems[0].path || '/'} ${problems[0].message}`, problems);
    }
    const batch = v.value;
    const principal = req.principal!;
    if (principal.admin || batch.deviceId !== principal.deviceId) {
      return sendError(reply, 403, 'forbidden', `this API key belongs to device "${principal.deviceId}" and cannot post batches for device "${batch.deviceId}"`);
    }
    try {
      const { admission, started } = await ingest.startBatch(batch, Number(req.headers['content-length']) || 2048, contentHash(batch));
      if (admission.kind === 'unchecked') req.log.warn({ batchId: batch.batchId, error: admission.error }, 'admission unchecked: database unavailable');
      const refused = refusal(reply, batch, admission);
      if (refused) return refused;
      if (!started) throw new Error(`batch ${batch.batchId} was admitted but no workflow carries it`);
      const duplicate = admission.kind === 'duplicate' || started.duplicate;
      return reply.code(202).send({ accepted: true, batchId: batch.batchId, workflowId: started.workflowId, duplicate });
    } catch (err) {
      if (err instanceof TemporalUnavailableError) {
        reply.header('retry-after', '2');
        return sendError(reply, 503, 'temporal_unavailable', 'the workflow service is unavailable; nothing was accepted, retry later with the same batchId');
      }
      throw err;
    }
  });
}

/** The 4xx answer for an admission that refuses the batch, or null to go on. */
function refusal(reply: FastifyReply, batch: DetectionBatchV1, admission: Admission) {
  switch (admission.kind) {
    case 'conflict':
      return sendError(reply, 409, 'batch_conflict',
        `batchId ${batch.batchId} was already received from device "${batch.deviceId}" with different content; nothing was changed. ` +
        'A batchId names one batch: send changed data under a new batchId.');
    case 'session_conflict':
      return sendError(reply, 409, 'session_conflict',
        `session "${batch.sessionId}" started at ${admission.knownStart}, but this batch says ${batch.sessionStartedAt}; nothing was changed. ` +
        'Times in a session are measured from its one start: use a new sessionId for a new start.', { knownStart: admission.knownStart });
    case 'invalid':
      return sendError(reply, 400, 'invalid_batch', `the database cannot store this batch: ${admission.message}`);
    default:
      return null;
  }
}
