import { BATCH_SCHEMA_V1, EVENT_LABELS, LIMITS } from './limits.js';

/**
 * JSON Schema (draft-07) of cryscope.batch/1. Structural rules only; rules that JSON Schema
 * cannot express (end >= start, offset needs end, onset has no end) are checked by
 * validateBatch(), which also applies every rule here. The server uses this schema for
 * its OpenAPI document and request validation, so both sides enforce one definition.
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
const version = { type: 'string', minLength: 1, maxLength: LIMITS.maxVersionLength } as const;
const isoTime = {
  type: 'string',
  maxLength: 40,
  // ISO-8601 date-time with zone (what Date.prototype.toISOString produces, or an offset).
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
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
  },
} as const;
