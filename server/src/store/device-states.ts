/**
 * A household's devices and their state (issue #14). Devices report `listening`, `paused`,
 * `degraded` (with reasons) or `stopped` in cryscope.batch/1's optional `device` field, on every
 * batch and on state-only beats; the storage transaction keeps the latest report per device
 * (upsertDeviceStates, migrations 005-006). "offline" is derived, never reported: no batch arrived
 * within offlineAfterSeconds (a device that stops sending, whatever it said last) — except after
 * "stopped": a stopped device sends nothing on purpose, so it stays "stopped" (silence is what a
 * stop means, not a lost device). A device that never reported a state (an older client) shows
 * "listening" while its batches arrive.
 */
import type { DetectionBatchV1, DeviceReason, DeviceStateName } from 'cryscope/protocol';
import type { Queryable } from '../db/adapter.js';
import { FEED_CHANNEL } from './event-feed.js';

/** What a device reports: the protocol's own list (cryscope/protocol), so a new state is added in one place. */
export type ReportedState = DeviceStateName;
export type DeviceState = ReportedState | 'offline';

export interface DeviceStatus {
  deviceId: string;
  state: DeviceState;
  /** Why the device is degraded (empty otherwise); as reported. */
  reasons: DeviceReason[];
  /** The state the device last reported (null if it never reported one); kept when it went offline. */
  reported: ReportedState | null;
  /** When the reported state began on the device (ISO-8601), null if none. */
  since: string | null;
  /** Arrival time of the device's last stored batch (ISO-8601), null if it never sent one. */
  lastBatchAt: string | null;
  /** Session of that batch. */
  sessionId: string | null;
}

/**
 * Stores the device state reports of newly stored batches (inside the storage transaction):
 * per device the report with the latest `since` wins, within the group and against the stored
 * one. When a device's state or reasons change, NOTIFY the feed channel (delivered at commit:
 * store first, then notify), so open monitor streams re-read device states at once.
 */
export async function upsertDeviceStates(tx: Queryable, batches: DetectionBatchV1[]): Promise<number> {
  const latest = new Map<string, DetectionBatchV1>();
  for (const b of batches) {
    if (!b.device) continue;
    const prev = latest.get(b.deviceId);
    if (!prev || Date.parse(b.device.since) >= Date.parse(prev.device!.since)) latest.set(b.deviceId, b);
  }
  if (!latest.size) return 0;
  const rows = [...latest.values()].map((b) => ({
    device_id: b.deviceId, state: b.device!.state, reasons: b.device!.reasons ?? [], since: b.device!.since,
    session_id: b.sessionId, batch_id: b.batchId,
  }));
  const r = await tx.query(
    `INSERT INTO device_states (device_id, state, reasons, since, session_id, batch_id)
     SELECT r.device_id, r.state, ARRAY(SELECT jsonb_array_elements_text(r.reasons)), r.since, r.session_id, r.batch_id
     FROM jsonb_to_recordset($1::jsonb) AS r(device_id text, state text, reasons jsonb, since timestamptz, session_id text, batch_id uuid)
     ORDER BY r.device_id
     ON CONFLICT (device_id) DO UPDATE SET
       state = EXCLUDED.state, reasons = EXCLUDED.reasons, since = EXCLUDED.since,
       session_id = EXCLUDED.session_id, batch_id = EXCLUDED.batch_id, changed_at = now()
     WHERE device_states.since <= EXCLUDED.since
       AND (device_states.state, device_states.reasons, device_states.since) IS DISTINCT FROM (EXCLUDED.state, EXCLUDED.reasons, EXCLUDED.since)`,
    [JSON.stringify(rows)],
  );
  if (r.rowCount > 0) await tx.query(`NOTIFY ${FEED_CHANNEL}`);
  return r.rowCount;
}

/** One entry per device asked for, in the order asked; `now` is injectable for tests. */
export async function deviceStates(db: Queryable, devices: string[], offlineAfterSeconds: number, now = Date.now()): Promise<DeviceStatus[]> {
  const r = await db.query<{ device_id: string; session_id: string; last_batch_at: Date | string }>(
    `SELECT DISTINCT ON (device_id) device_id, session_id, last_batch_at FROM sessions
     WHERE device_id = ANY($1::text[]) ORDER BY device_id, last_batch_at DESC`,
    [devices],
  );
  const reports = await db.query<{ device_id: string; state: ReportedState; reasons: DeviceReason[] | string; since: Date | string }>(
    'SELECT device_id, state, reasons, since FROM device_states WHERE device_id = ANY($1::text[])',
    [devices],
  );
  const last = new Map(r.rows.map((row) => [row.device_id, row]));
  const reported = new Map(reports.rows.map((row) => [row.device_id, row]));
  return devices.map((deviceId): DeviceStatus => {
    const row = last.get(deviceId);
    const rep = reported.get(deviceId);
    const reasons = rep ? pgArray(rep.reasons) as DeviceReason[] : [];
    const base = { deviceId, reported: rep?.state ?? null, since: rep ? new Date(rep.since).toISOString() : null };
    if (!row) return { ...base, state: 'offline', reasons: [], lastBatchAt: null, sessionId: null };
    const at = new Date(row.last_batch_at);
    const fresh = now - at.getTime() <= offlineAfterSeconds * 1000;
    // A deliberate stop stays "stopped" however long the silence: the device said why it is silent.
    const state: DeviceState = rep?.state === 'stopped' ? 'stopped' : !fresh ? 'offline' : rep?.state ?? 'listening';
    return { ...base, state, reasons: state === 'degraded' ? reasons : [], lastBatchAt: at.toISOString(), sessionId: row.session_id };
  });
}

/** A text[] as the driver returns it: an array (node-postgres, PGlite) or its literal "{a,b}". */
function pgArray(v: string[] | string): string[] {
  if (Array.isArray(v)) return v;
  const inner = v.replace(/^\{|\}$/g, '');
  return inner ? inner.split(',').map((s) => s.replace(/^"|"$/g, '')) : [];
}
