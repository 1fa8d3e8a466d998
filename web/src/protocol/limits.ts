/**
 * Size limits of a detection batch (cryscope.batch/1). Shared by the sender (web) and the
 * receiver (server) so a client can split its buffer before it is rejected.
 * Why these numbers: a browser sends a batch every few seconds; 1200 windows is 5 min of
 * windows at the default 0.25 s hop, far more than one batch ever needs, while keeping the
 * JSON body under ~300 KiB.
 */
export const LIMITS = Object.freeze({
  /** Maximum request body, bytes (server rejects larger bodies with 413). */
  maxBatchBytes: 512 * 1024,
  /** Maximum number of window summaries per batch. */
  maxWindows: 1200,
  /** Maximum number of onset/offset events per batch. */
  maxEvents: 256,
  /** Maximum length of sessionId / deviceId, characters. */
  maxIdLength: 128,
  /** Maximum length of a model version string, characters. */
  maxVersionLength: 64,
  /** Largest session-relative time accepted, seconds (31 days). */
  maxSessionSeconds: 31 * 24 * 3600,
  /**
   * Calendar years accepted in sentAt / sessionStartedAt. The upper bound leaves room for
   * maxSessionSeconds after a session start so every derived time stays a 4-digit year
   * (PostgreSQL's timestamptz and ISO text both need that); 1970 is the Unix epoch, the
   * earliest time a device clock reports.
   */
  minYear: 1970,
  maxYear: 9998,
  /** Largest UTC offset east / west of a time zone, minutes (real zones span -12:00..+14:00). */
  maxOffsetEastMinutes: 14 * 60,
  maxOffsetWestMinutes: 12 * 60,
  /** Maximum number of reasons in a device state report. */
  maxStateReasons: 8,
});

/**
 * States a device reports (`device.state`); "offline" is never reported, the server derives it.
 * "stopped" is a deliberate stop(): the server shows it as such, never turning it into offline.
 */
export const DEVICE_STATES = ['listening', 'paused', 'degraded', 'stopped'] as const;

/**
 * Why a device is degraded (`device.reasons`): the capture problems of the web package's
 * capture-health.ts, a model that failed (fusion continues with the other one), and an outbox
 * that is backing up (the backend has not accepted batches for a while).
 */
export const DEVICE_REASONS = [
  'microphone-ended', 'microphone-muted', 'audio-suspended', 'audio-interrupted', 'audio-closed',
  'model-fallback', 'outbox-backlog',
] as const;

/** The schema identifier of this version of the batch format. */
export const BATCH_SCHEMA_V1 = 'cryscope.batch/1' as const;

/** Label order used everywhere (index 0, 1, 2) and the labels that can have onset/offset events. */
export { EVENT_LABELS, LABELS } from '../labels.js';
