/**
 * cryscope/protocol — the versioned detection-batch format shared by the web client and the
 * server (owned by the server area). Import types, the JSON Schema, the limits and validateBatch.
 */
export { BATCH_SCHEMA_V1, DEVICE_REASONS, DEVICE_STATES, EVENT_LABELS, LABELS, LIMITS } from './limits.js';
export { batchSchemaV1 } from './schema.js';
export { validateBatch } from './validate.js';
export type {
  BatchEvent, BatchWindow, DetectionBatch, DeviceReason, DeviceStateName, DeviceStateReport, DetectionBatchV1, EventLabel, Label, Probs3,
  ValidationError, ValidationResult,
} from './types.js';
