import { BATCH_SCHEMA_V1, DEVICE_REASONS, DEVICE_STATES, EVENT_LABELS, LIMITS } from './limits.js';
import type { DetectionBatchV1, ValidationError, ValidationResult } from './types.js';

/**
 * Validates an already-parsed value as a cryscope.batch/1 batch, with no dependencies so it
 * runs in the browser before sending and on the server before accepting.
 * Checks every rule of batchSchemaV1 plus the cross-field rules JSON Schema cannot express.
 * Returns all problems found (capped at 50), each with a JSON-pointer path and a message.
 */
export function validateBatch(input: unknown): ValidationResult {
  const errors: ValidationError[] = [];
  const fail = (path: string, message: string) => {
    if (errors.length < 50) errors.push({ path, message });
  };

  if (!isPlainObject(input)) {
    return { ok: false, errors: [{ path: '', message: 'batch must be a JSON object' }] };
  }
  const allowed = new Set(['schema', 'batchId', 'sessionId', 'deviceId', 'sentAt', 'sessionStartedAt', 'models', 'windows', 'events', 'device']);
  for (const key of Object.keys(input)) if (!allowed.has(key)) fail(`/${key}`, `unknown property "${key}"`);

  if (input.schema !== BATCH_SCHEMA_V1) fail('/schema', `schema must be "${BATCH_SCHEMA_V1}"`);
  if (typeof input.batchId !== 'string' || !UUID.test(input.batchId)) fail('/batchId', 'batchId must be a UUID');
  checkId(input.sessionId, '/sessionId', fail);
  checkId(input.deviceId, '/deviceId', fail);
  checkIsoTime(input.sentAt, '/sentAt', fail);
  checkIsoTime(input.sessionStartedAt, '/sessionStartedAt', fail);

  if (!isPlainObject(input.models)) fail('/models', 'models must be an object');
  else {
    for (const [k, v] of Object.entries(input.models)) {
      if (k !== 'yamnet' && k !== 'wav2vec2' && k !== 'core') fail(`/models/${k}`, `unknown model "${k}"`);
      else if (typeof v !== 'string' || v.length < 1 || v.length > LIMITS.maxVersionLength)
        fail(`/models/${k}`, `model version must be a string of 1-${LIMITS.maxVersionLength} characters`);
      else if (!PRINTABLE.test(v))
        fail(`/models/${k}`, 'model version must not contain control characters (NUL included) or lone UTF-16 surrogates');
    }
  }

  if (!Array.isArray(input.windows)) fail('/windows', 'windows must be an array');
  else if (input.windows.length > LIMITS.maxWindows) fail('/windows', `at most ${LIMITS.maxWindows} windows per batch`);
  else input.windows.forEach((w, i) => checkWindow(w, `/windows/${i}`, fail));

  if (!Array.isArray(input.events)) fail('/events', 'events must be an array');
  else if (input.events.length > LIMITS.maxEvents) fail('/events', `at most ${LIMITS.maxEvents} events per batch`);
  else input.events.forEach((e, i) => checkEvent(e, `/events/${i}`, fail));

  if (input.device !== undefined) checkDevice(input.device, '/device', fail);

  return errors.length ? { ok: false, errors } : { ok: true, value: input as unknown as DetectionBatchV1 };
}

type Fail = (path: string, message: string) => void;

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ID = /^[A-Za-z0-9._:-]+$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/;
/** Per code point ("u"): no C0 controls, no DEL, no lone surrogates (a valid pair is one code point). */
const PRINTABLE = /^[^\u0000-\u001f\u007f\ud800-\udfff]+$/u;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkId(v: unknown, path: string, fail: Fail) {
  if (typeof v !== 'string' || v.length < 1 || v.length > LIMITS.maxIdLength || !ID.test(v))
    fail(path, `must be 1-${LIMITS.maxIdLength} characters of A-Z a-z 0-9 . _ : -`);
}

function checkIsoTime(v: unknown, path: string, fail: Fail) {
  const problem = typeof v === 'string' && v.length <= 40 ? isoTimeProblem(v) : 'is not a string of at most 40 characters';
  if (problem) fail(path, `must be an ISO-8601 date-time with zone, e.g. 2026-01-01T12:00:00.000Z (${problem})`);
}

const daysIn = (year: number, month: number) =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/**
 * Why an ISO date-time cannot be stored, or null. Checked field by field because Date.parse
 * rolls impossible dates over (Feb 30 → Mar 2) while PostgreSQL refuses them, and PostgreSQL
 * refuses offsets beyond ±15:59 and years that do not fit its text form.
 */
function isoTimeProblem(v: string): string | null {
  const m = ISO.exec(v);
  if (!m) return 'not of the form YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)';
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (year < LIMITS.minYear || year > LIMITS.maxYear) return `year must be ${LIMITS.minYear}-${LIMITS.maxYear}`;
  if (month < 1 || month > 12) return 'month must be 01-12';
  if (day < 1 || day > daysIn(year, month)) return `day ${m[3]} does not exist in ${m[1]}-${m[2]}`;
  if (hour > 23 || minute > 59 || second > 59) return 'time must be 00:00:00-23:59:59';
  if (m[9]) {
    const offset = (Number(m[10]) * 60 + Number(m[11])) * (m[9] === '-' ? -1 : 1);
    if (Number(m[11]) > 59 || offset > LIMITS.maxOffsetEastMinutes || -offset > LIMITS.maxOffsetWestMinutes) return 'UTC offset must be -12:00..+14:00';
  }
  return null;
}

/** Session-relative seconds: finite, >= 0, <= maxSessionSeconds (rejects NaN, Infinity, negatives). */
function checkSeconds(v: unknown, path: string, fail: Fail): v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) { fail(path, 'must be a finite number of seconds'); return false; }
  if (v < 0) { fail(path, 'must not be negative'); return false; }
  if (v > LIMITS.maxSessionSeconds) { fail(path, `must be at most ${LIMITS.maxSessionSeconds} s`); return false; }
  return true;
}

function checkProb(v: unknown, path: string, fail: Fail) {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'probability must be a finite number');
  else if (v < 0 || v > 1) fail(path, 'probability must be within [0, 1]');
}

function checkProbs3(v: unknown, path: string, fail: Fail) {
  if (!Array.isArray(v) || v.length !== 3) { fail(path, 'must be an array of 3 probabilities [cry, scream, normal]'); return; }
  v.forEach((p, i) => checkProb(p, `${path}/${i}`, fail));
}

function checkWindow(w: unknown, path: string, fail: Fail) {
  if (!isPlainObject(w)) { fail(path, 'window must be an object'); return; }
  for (const key of Object.keys(w)) if (key !== 'start' && key !== 'end' && key !== 'probs') fail(`${path}/${key}`, `unknown property "${key}"`);
  const s = checkSeconds(w.start, `${path}/start`, fail);
  const e = checkSeconds(w.end, `${path}/end`, fail);
  if (s && e && (w.end as number) < (w.start as number)) fail(`${path}/end`, 'end must not be before start');
  if (!isPlainObject(w.probs)) { fail(`${path}/probs`, 'probs must be an object with at least "fused"'); return; }
  if (w.probs.fused === undefined) fail(`${path}/probs/fused`, 'fused probabilities are required');
  for (const [k, v] of Object.entries(w.probs)) {
    if (k !== 'yamnet' && k !== 'wav2vec2' && k !== 'fused') fail(`${path}/probs/${k}`, `unknown model "${k}"`);
    else checkProbs3(v, `${path}/probs/${k}`, fail);
  }
}

function checkEvent(ev: unknown, path: string, fail: Fail) {
  if (!isPlainObject(ev)) { fail(path, 'event must be an object'); return; }
  const allowed = new Set(['type', 'label', 'start', 'end', 'peak', 'mean']);
  for (const key of Object.keys(ev)) if (!allowed.has(key)) fail(`${path}/${key}`, `unknown property "${key}"`);
  if (ev.type !== 'onset' && ev.type !== 'offset') fail(`${path}/type`, 'type must be "onset" or "offset"');
  if (!(EVENT_LABELS as readonly unknown[]).includes(ev.label)) fail(`${path}/label`, `label must be one of ${EVENT_LABELS.join(', ')}`);
  const s = checkSeconds(ev.start, `${path}/start`, fail);
  if (ev.end !== undefined) {
    const e = checkSeconds(ev.end, `${path}/end`, fail);
    if (s && e && (ev.end as number) < (ev.start as number)) fail(`${path}/end`, 'end must not be before start');
    if (ev.type === 'onset') fail(`${path}/end`, 'an onset has no end');
  } else if (ev.type === 'offset') fail(`${path}/end`, 'an offset needs end');
  checkProb(ev.peak, `${path}/peak`, fail);
  if (ev.mean !== undefined) checkProb(ev.mean, `${path}/mean`, fail);
}

/** The optional device state report: a known state, known reasons (only and always when degraded), since. */
function checkDevice(d: unknown, path: string, fail: Fail) {
  if (!isPlainObject(d)) { fail(path, 'device must be an object {state, reasons?, since}'); return; }
  for (const key of Object.keys(d)) if (key !== 'state' && key !== 'reasons' && key !== 'since') fail(`${path}/${key}`, `unknown property "${key}"`);
  if (!(DEVICE_STATES as readonly unknown[]).includes(d.state)) fail(`${path}/state`, `state must be one of ${DEVICE_STATES.join(', ')}`);
  checkIsoTime(d.since, `${path}/since`, fail);
  if (d.reasons === undefined) {
    if (d.state === 'degraded') fail(`${path}/reasons`, 'a degraded state needs at least one reason');
    return;
  }
  if (!Array.isArray(d.reasons) || d.reasons.length > LIMITS.maxStateReasons) {
    fail(`${path}/reasons`, `reasons must be an array of at most ${LIMITS.maxStateReasons}`);
    return;
  }
  d.reasons.forEach((r, i) => {
    if (!(DEVICE_REASONS as readonly unknown[]).includes(r)) fail(`${path}/reasons/${i}`, `reason must be one of ${DEVICE_REASONS.join(', ')}`);
    else if (d.reasons !== undefined && (d.reasons as unknown[]).indexOf(r) !== i) fail(`${path}/reasons/${i}`, `reason "${r}" is repeated`);
  });
  if (d.state === 'degraded' && d.reasons.length === 0) fail(`${path}/reasons`, 'a degraded state needs at least one reason');
  if (d.state !== 'degraded' && d.reasons.length > 0) fail(`${path}/reasons`, `reasons are only given for a degraded state, not "${String(d.state)}"`);
}
