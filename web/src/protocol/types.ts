import type { EventLabel, Probs } from '../labels.js';
import type { BATCH_SCHEMA_V1 } from './limits.js';

export type { EventLabel, Label } from '../labels.js';
/** Probabilities in label order [cry, scream, normal], each in [0, 1]. */
export type Probs3 = Probs;

/** One analysed window. Times are session-relative seconds (16 kHz stream time). */
export interface BatchWindow {
  start: number;
  end: number;
  probs: { yamnet?: Probs3; wav2vec2?: Probs3; fused: Probs3 };
}

/** An onset (episode began) or offset (episode ended; carries `end`) event from the Decider. */
export interface BatchEvent {
  type: 'onset' | 'offset';
  label: EventLabel;
  /** Episode start, session-relative seconds. */
  start: number;
  /** Episode end, session-relative seconds; required for `offset`, absent for `onset`. */
  end?: number;
  /** Highest smoothed probability of the label during the episode, [0, 1]. */
  peak: number;
  /** Mean smoothed probability of the label during the episode, [0, 1]. */
  mean?: number;
}

/** A state a device reports; "offline" is derived by the server from silence, never sent. */
export type DeviceStateName = 'listening' | 'paused' | 'degraded' | 'stopped';
export type DeviceReason =
  | 'microphone-ended' | 'microphone-muted' | 'audio-suspended' | 'audio-interrupted' | 'audio-closed'
  | 'model-fallback' | 'outbox-backlog';

/**
 * The sending device's state (optional; batches without it are as before). Sent on every batch
 * of a device that reports state, including state-only beats (no windows, no events).
 */
export interface DeviceStateReport {
  state: DeviceStateName;
  /** Why the device is degraded: at least one for 'degraded', none otherwise; no repeats. */
  reasons?: DeviceReason[];
  /** ISO-8601 time this state began on the device; the server keeps the report with the latest `since`. */
  since: string;
}

/** cryscope.batch/1: results of one device session sent to the backend. Never audio. */
export interface DetectionBatchV1 {
  schema: typeof BATCH_SCHEMA_V1;
  /** UUID chosen by the sender; the idempotency key (a re-sent batch is stored once). */
  batchId: string;
  sessionId: string;
  deviceId: string;
  /** ISO-8601 time the batch was sent. */
  sentAt: string;
  /** ISO-8601 time the session started; window/event times are relative to it. */
  sessionStartedAt: string;
  models: { yamnet?: string; wav2vec2?: string; core?: string };
  windows: BatchWindow[];
  events: BatchEvent[];
  /** The device's state when the batch was made (optional). */
  device?: DeviceStateReport;
}

export type DetectionBatch = DetectionBatchV1;

export interface ValidationError {
  /** JSON pointer of the offending value, e.g. "/windows/3/probs/fused/0". */
  path: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; value: DetectionBatchV1 }
  | { ok: false; errors: ValidationError[] };
