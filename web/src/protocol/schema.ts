import { BATCH_SCHEMA_V1, DEVICE_REASONS, DEVICE_STATES, EVENT_LABELS, LIMITS } from './limits.js';

/**
 * JSON Schema (draft-07) of cryscope.batch/1. Structural rules only; rules that JSON Schema
 * cannot express (end >= start, offset needs end, onset has no end, days that exist in their
 * month, reasons given exactly when the device state is "degraded") are checked by
 * validateBatch(), which also applies every rule here. The server publishes this schema in
 * its OpenAPI document and enforces it, compiled with Ajv, on every request in addition to
 * validateBatch (server/src/http/batch-schema.ts), so both sides enforce one definition.
 */
const prob = { type: 'number', minimum: 0, maximum: 1 } as const;
const probs3 = { type: 'array', items: prob, minItems: 3, maxItems: 3 } as const;
const seconds = { type: 'number', minimum: 0, maximum: LIMITS.maxSessionSeconds } as const;
const id = {
  type: 'string',
  minLength: 1,
  maxLength: LIMITS.maxIdLength,
  // Printable, URL-safe ids: they appear in URLs and Temporal workflow ids.
  pattern: '^[A-Za-z0-9._:-]+$',
} as const;
const version = {
  type: 'string',
  minLength: 1,
  maxLength: LIMITS.maxVersionLength,
  // No control characters (NUL cannot be stored in PostgreSQL text/jsonb) and no lone UTF-16
  // surrogates (not valid Unicode; jsonb refuses them). Matched per code point (Ajv's "u" flag).
  pattern: '^[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]+$',
} as const;
const isoTime = {
  type: 'string',
  maxLength: 40,
  // ISO-8601 date-time with zone (what Date.prototype.toISOString produces, or an offset):
  // years 1970-9998, month 01-12, day 01-31, 00:00:00-23:59:59, offsets -12:00..+14:00.
  // Days past a month's end (Feb 30) are refused by validateBatch, which the regex cannot say.
  pattern: '^(19[7-9]\\d|[2-8]\\d{3}|9[0-8]\\d{2}|99[0-8]\\d|999[0-8])-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])' +
    'T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?(Z|\\+(0\\d|1[0-3]):[0-5]\\d|\\+14:00|-(0\\d|1[01]):[0-5]\\d|-12:00)$',
} as const;

export const batchSchemaV1 = {
  $id: 'https://cryscope.dev/schemas/batch-v1.json',
  title: 'cryscope.batch/1',
  description: 'Detection results of one device session (never audio).',
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'batchId', 'sessionId', 'deviceId', 'sentAt', 'sessionStartedAt', 'models', 'windows', 'events'],
  properties: {
    schema: { type: 'string', const: BATCH_SCHEMA_V1 },
    batchId: {
      type: 'string',
      pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
      description: 'UUID; idempotency key',
    },
    sessionId: id,
    deviceId: id,
    sentAt: isoTime,
    sessionStartedAt: isoTime,
    models: {
      type: 'object',
      additionalProperties: false,
      properties: { yamnet: version, wav2vec2: version, core: version },
    },
    windows: {
      type: 'array',
      maxItems: LIMITS.maxWindows,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['start', 'end', 'probs'],
        properties: {
          start: seconds,
          end: seconds,
          probs: {
            type: 'object',
            additionalProperties: false,
            required: ['fused'],
            properties: { yamnet: probs3, wav2vec2: probs3, fused: probs3 },
          },
        },
      },
    },
    events: {
      type: 'array',
      maxItems: LIMITS.maxEvents,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'label', 'start', 'peak'],
        properties: {
          type: { type: 'string', enum: ['onset', 'offset'] },
          label: { type: 'string', enum: [...EVENT_LABELS] },
          start: seconds,
          end: seconds,
          peak: prob,
          mean: prob,
        },
      },
    },
    device: {
      type: 'object',
      description: 'Optional: the sending device\'s state (offline is derived by the server, never sent).',
      additionalProperties: false,
      required: ['state', 'since'],
      properties: {
        state: { type: 'string', enum: [...DEVICE_STATES] },
        reasons: {
          type: 'array',
          maxItems: LIMITS.maxStateReasons,
          uniqueItems: true,
          items: { type: 'string', enum: [...DEVICE_REASONS] },
        },
        since: isoTime,
      },
    },
  },
} as const;
