/**
 * A household's devices and their state, derived from when each last sent a batch: the
 * batch protocol carries no state of its own, so "listening" means "a batch arrived within
 * offlineAfterSeconds" and "offline" means it did not (or never did).
 */
import type { Queryable } from '../db/adapter.js';

export type DeviceState = 'listening' | 'offline';

export interface DeviceStatus {
  deviceId: string;
  state: DeviceState;
  /** Arrival time of the device's last stored batch (ISO-8601), null if it never sent one. */
  lastBatchAt: string | null;
  /** Session of that batch. */
  sessionId: string | null;
}

/** One entry per device asked for, in the order asked; `now` is injectable for tests. */
export async function deviceStates(db: Queryable, devices: string[], offlineAfterSeconds: number, now = Date.now()): Promise<DeviceStatus[]> {
  const r = await db.query<{ device_id: string; session_id: string; last_batch_at: Date | string }>(
    `SELECT DISTINCT ON (device_id) device_id, session_id, last_batch_at FROM sessions
     WHERE device_id = ANY($1::text[]) ORDER BY device_id, last_batch_at DESC`,
    [devices],
  );
  const last = new Map(r.rows.map((row) => [row.device_id, row]));
  return devices.map((deviceId) => {
    const row = last.get(deviceId);
    if (!row) return { deviceId, state: 'offline', lastBatchAt: null, sessionId: null };
    const at = new Date(row.last_batch_at);
    const state: DeviceState = now - at.getTime() <= offlineAfterSeconds * 1000 ? 'listening' : 'offline';
    return { deviceId, state, lastBatchAt: at.toISOString(), sessionId: row.session_id };
  });
}
