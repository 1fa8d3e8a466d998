import { LIMITS, batchSchemaV1 } from 'cryscope/protocol';
import type { ServerConfig } from '../config.js';

const error = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' }, details: {} },
};
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c], ...json({ $ref: '#/components/schemas/Error' }) }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed JSON or a batch that breaks cryscope.batch/1 (details list every problem with its JSON pointer)',
  401: 'Missing or unknown API key',
  403: 'The key may not act for this device',
  404: 'Unknown session/clip, or the feature is disabled; pairing/redeem: the code is wrong, expired or already used (one message for all three)',
  409: 'batch_conflict: this device already sent this batchId with different content; session_conflict: the session is recorded with another sessionStartedAt (details.knownStart). Nothing was changed; do not retry unchanged',
  413: 'Body larger than the limit',
  415: 'Wrong Content-Type or unreadable audio',
  422: 'Clip shorter than 5 s or longer than 15 s',
  429: 'Too many failed pairing-code redemptions from this client address (Retry-After)',
  501: 'Clip classification not available on this server',
  503: 'Temporal unavailable: nothing accepted, retry later (Retry-After)',
};
const sessionParam = { name: 'sessionId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } };
const deviceParam = { name: 'deviceId', in: 'query', required: false, description: 'Admin keys only: the device to read', schema: { type: 'string' } };

/** The OpenAPI 3.1 description served at GET /api/v1/openapi.json. */
export function openApiDocument(config: ServerConfig) {
  const { $id: _id, ...batch } = batchSchemaV1;
  return {
    openapi: '3.1.0',
    info: {
      title: 'cryscope ingest API',
      version: '1.0.0',
      description: 'Stores detection results (never audio) from cryscope clients through Temporal workflows. ' +
        'Batches are idempotent per device by (deviceId, batchId): the same content again is a duplicate (202, duplicate: true), ' +
        'other content under the same key is refused 409. Every batch answered 202 is stored exactly once, or listed at ' +
        `/api/v1/dead-letters with the reason. Body limit ${LIMITS.maxBatchBytes} bytes.`,
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Per-device API key configured on the server (X-API-Key header also accepted); the caregiver routes /api/v1/devices and /api/v1/stream take a read-only viewer key instead (configured, or issued by POST /api/v1/pairing/redeem)' } },
      schemas: { Batch: batch, Error: error },
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/detections': {
        post: {
          summary: 'Submit a detection batch (cryscope.batch/1)',
          requestBody: { required: true, ...json({ $ref: '#/components/schemas/Batch' }) },
          responses: {
            '202': { description: 'Accepted by Temporal (stored asynchronously, exactly once; duplicate: this device sent the same content under this batchId before)', ...json({ type: 'object', properties: { accepted: { const: true }, batchId: { type: 'string' }, workflowId: { type: 'string' }, duplicate: { type: 'boolean' } } }) },
            ...errors(400, 401, 403, 409, 413, 415, 503),
          },
        },
      },
      '/api/v1/clips': {
        post: {
          summary: `Upload a 5-15 s WAV/FLAC clip to classify on the server (${config.clipsEnabled ? 'enabled' : 'disabled'} here; max ${config.clipMaxBytes} bytes)`,
          parameters: [{ name: 'sessionId', in: 'query', required: true, schema: { type: 'string' } }, { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', format: 'uuid' } }],
          requestBody: { required: true, content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } }, 'audio/flac': { schema: { type: 'string', format: 'binary' } } } },
          responses: { '202': { description: 'Accepted; classified by a workflow' }, ...errors(400, 401, 403, 404, 413, 415, 422, 501, 503) },
        },
      },
      '/api/v1/clips/{clipId}': { get: { summary: 'Clip status and events', parameters: [{ name: 'clipId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }], responses: { '200': { description: 'Clip' }, ...errors(400, 401, 404) } } },
      '/api/v1/sessions': { get: { summary: 'Sessions, newest first', parameters: [deviceParam, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 1000, default: 100 } }, { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } }], responses: { '200': { description: '{ sessions: [...] }' }, ...errors(400, 401, 403) } } },
      '/api/v1/sessions/{sessionId}': { get: { summary: 'One session', parameters: [sessionParam, deviceParam], responses: { '200': { description: '{ session }' }, ...errors(400, 401, 403, 404) } } },
      '/api/v1/sessions/{sessionId}/events': { get: { summary: "A session's onset/offset events", parameters: [sessionParam, deviceParam], responses: { '200': { description: '{ events: [...] }' }, ...errors(400, 401, 403, 404) } } },
      '/api/v1/sessions/{sessionId}/episodes': { get: { summary: `A session's episodes (cry/scream lasting >= ${config.episodeMinSeconds} s)`, parameters: [sessionParam, deviceParam], responses: { '200': { description: '{ episodes: [...] }' }, ...errors(400, 401, 403, 404) } } },
      '/api/v1/dead-letters': { get: { summary: 'Batches answered 202 that storage refused for good (only when admission could not check them), newest first, with the reason', parameters: [deviceParam, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 1000, default: 100 } }, { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } }], responses: { '200': { description: '{ deadLetters: [{ deviceId, batchId, sessionId, reason, rejectedAt }] }' }, ...errors(400, 401, 403) } } },
      '/api/v1/devices': { get: { summary: `Caregiver (viewer key only): the household's devices and their state: the state each last reported in a batch's optional \`device\` field (listening / paused / degraded with reasons; listening if it never reported one) while a batch arrived within ${config.offlineAfterSeconds} s, else offline; a device that reported stopped (a deliberate stop) stays stopped`, responses: { '200': { description: '{ devices: [{ deviceId, state, reasons, reported, since, lastBatchAt, sessionId }], offlineAfterSeconds }' }, ...errors(401, 403) } } },
      '/api/v1/stream': { get: { summary: 'Caregiver (viewer key only): Server-Sent Events — `devices` (state list, on connect and on change) and `detection` (each stored onset/offset; id = feed sequence number). Send Last-Event-ID (header) or ?lastEventId= to resume after that id.', parameters: [{ name: 'lastEventId', in: 'query', schema: { type: 'integer', minimum: 0 } }], responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': {} } }, ...errors(400, 401, 403) } } },
      '/api/v1/pairing': { post: { summary: `Nursery device (its own device key; admin and viewer keys 403): a one-time pairing code for a caregiver, "1234-5678", redeemable once within ${config.pairingTtlSeconds} s`, responses: { '201': { description: 'Created', ...json({ type: 'object', properties: { code: { type: 'string', pattern: '^\\d{4}-\\d{4}$' }, expiresAt: { type: 'string', format: 'date-time' }, deviceId: { type: 'string' }, ttlSeconds: { type: 'integer' } } }) }, ...errors(401, 403) } } },
      '/api/v1/pairing/redeem': { post: { summary: `No key: exchanges a pairing code for a new read-only viewer key of the device that created it (once; concurrent redemptions: one wins). At most ${config.pairingMaxFailures} failed attempts per client address and minute`, security: [], requestBody: { required: true, ...json({ type: 'object', required: ['code'], properties: { code: { type: 'string', description: '8 digits; "1234-5678", "1234 5678" or "12345678"' } } }) }, responses: { '200': { description: 'Paired', ...json({ type: 'object', properties: { viewerKey: { type: 'string', minLength: 32 }, devices: { type: 'array', items: { type: 'string' } } } }) }, ...errors(400, 404, 415, 429) } } },
      '/api/v1/pairing/viewers': { delete: { summary: 'Nursery device (its own device key): revokes every viewer key paired with it (configured viewer keys are not affected); their open streams end within a second', responses: { '200': { description: '{ revoked, deviceId }' }, ...errors(401, 403) } } },
      '/api/v1/stats': { get: { summary: 'Per session and UTC day: count and total seconds of cry/scream, and of episodes', parameters: [deviceParam, { name: 'sessionId', in: 'query', schema: { type: 'string' } }], responses: { '200': { description: '{ stats: [...] }' }, ...errors(400, 401, 403, 404) } } },
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'alive' } } } },
      '/readyz': { get: { summary: 'Readiness: Temporal and database reachable', security: [], responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } } } },
    },
  };
}
