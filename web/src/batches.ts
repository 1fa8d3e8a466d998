// Packs buffered window summaries and events into cryscope.batch/1 batches that respect the
// protocol's limits AND a byte cap. Why a byte cap: when the page is hidden or closed, batches go
// out with fetch keepalive, whose bodies share a 64 KiB quota (keepalive.ts); a batch larger than
// that could never be sent on pagehide. Events go into the first batch so they are sent first.
import { BATCH_SCHEMA_V1, LIMITS, type BatchEvent, type BatchWindow, type DetectionBatchV1, type DeviceStateReport } from './protocol/index.js';

/** Largest serialized batch built here, bytes: a quarter of the keepalive quota, so ≥ 4 fit at once. */
export const MAX_BATCH_BYTES = 16 * 1024;

export interface BatchHeader {
  sessionId: string;
  deviceId: string;
  sessionStartedAt: string;
  models: DetectionBatchV1['models'];
  /** The device's state, carried by every batch when set. */
  device?: DeviceStateReport;
}

export interface PackOptions {
  /** Max windows per batch (clamped to the protocol limit). */
  maxWindows: number;
  /** Max serialized bytes per batch (UTF-8). */
  maxBytes?: number;
  uuid: () => string;
  /** ISO time stamped as sentAt (re-stamped when actually sent; same length). */
  sentAt: string;
  /** With nothing buffered, still make one batch (a state beat: no windows, no events). */
  beat?: boolean;
}

const encoder = new TextEncoder();
export const byteLength = (s: string): number => encoder.encode(s).length;

/**
 * Empties `windows` and `events` into batches (events first). Every batch holds at least one item,
 * so a single oversized item still goes out rather than looping forever — except a beat (`beat`
 * with nothing buffered): one batch with no windows and no events that carries `header.device`.
 */
export function packBatches(header: BatchHeader, windows: BatchWindow[], events: BatchEvent[], o: PackOptions): DetectionBatchV1[] {
  const maxW = Math.min(o.maxWindows, LIMITS.maxWindows);
  const maxBytes = o.maxBytes ?? MAX_BATCH_BYTES;
  const out: DetectionBatchV1[] = [];
  const empty = (): DetectionBatchV1 => {
    const batch: DetectionBatchV1 = {
      schema: BATCH_SCHEMA_V1, batchId: o.uuid(), sessionId: header.sessionId, deviceId: header.deviceId,
      sentAt: o.sentAt, sessionStartedAt: header.sessionStartedAt, models: header.models, windows: [], events: [],
    };
    if (header.device) batch.device = { ...header.device, ...(header.device.reasons ? { reasons: [...header.device.reasons] } : {}) };
    return batch;
  };
  if (o.beat && header.device && !windows.length && !events.length) return [empty()];
  while (windows.length || events.length) {
    const batch = empty();
    let bytes = byteLength(JSON.stringify(batch));
    const fits = (item: unknown, count: number) => {
      const add = byteLength(JSON.stringify(item)) + (count ? 1 : 0); // + the separating comma
      if (bytes + add > maxBytes && (batch.events.length || batch.windows.length)) return false;
      bytes += add;
      return true;
    };
    while (events.length && batch.events.length < LIMITS.maxEvents && fits(events[0], batch.events.length)) batch.events.push(events.shift()!);
    while (windows.length && batch.windows.length < maxW && fits(windows[0], batch.windows.length)) batch.windows.push(windows.shift()!);
    out.push(batch);
  }
  return out;
}
