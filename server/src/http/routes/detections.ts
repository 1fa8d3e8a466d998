import type { FastifyInstance } from 'fastify';
import { validateBatch } from '../../../../web/src/protocol/index.js';
import { TemporalUnavailableError } from '../../temporal/client.js';
import type { AppDeps } from '../app.js';
import { sendError } from '../errors.js';

/**
 * POST /api/v1/detections — one cryscope.batch/1 batch. Answers 202 only after Temporal has
 * durably accepted the batch's workflow; 503 + Retry-After when Temporal cannot be reached
 * (nothing was accepted, so the client's retry is safe: the batchId makes it idempotent).
 * The database is deliberately NOT on this path: a database outage delays storage (the
 * workflow retries) but does not refuse data.
 */
export function registerDetections(app: FastifyInstance, { ingest }: AppDeps) {
  app.post('/api/v1/detections', async (req, reply) => {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/(.+\+)?json\b/i.test(type)) {
      return sendError(reply, 415, 'unsupported_media_type', `send the batch as application/json (got "${type || 'no Content-Type'}")`);
    }
    const v = validateBatch(req.body);
    if (!v.ok) {
      return sendError(reply, 400, 'invalid_batch', `the batch does not match cryscope.batch/1: ${v.errors[0].path || '/'} ${v.errors[0].message}`, v.errors);
    }
    const batch = v.value;
    const principal = req.principal!;
    if (principal.admin || batch.deviceId !== principal.deviceId) {
      return sendError(reply, 403, 'forbidden', `this API key belongs to device "${principal.deviceId}" and cannot post batches for device "${batch.deviceId}"`);
    }
    try {
      const started = await ingest.startBatch(batch, Number(req.headers['content-length']) || 2048);
      return reply.code(202).send({ accepted: true, batchId: batch.batchId, workflowId: started.workflowId, duplicate: started.duplicate });
    } catch (err) {
      if (err instanceof TemporalUnavailableError) {
        reply.header('retry-after', '2');
        return sendError(reply, 503, 'temporal_unavailable', 'the workflow service is unavailable; nothing was accepted, retry later with the same batchId');
      }
      throw err;
    }
  });
}
