import { createHash } from 'node:crypto';
import type { DetectionBatchV1 } from 'cryscope/protocol';

/**
 * Canonical hash of a batch's CONTENT: what decides whether a re-post under the same
 * (device, batchId) is a duplicate (same hash) or a conflict (other hash → 409).
 *
 * Left out: `batchId` and `deviceId` (they are the key itself) and `sentAt` (the web client
 * re-stamps it on every retry, web/src/poster.ts; a retry is still the same batch).
 * Canonical: object keys sorted at every level, so key order and whitespace do not matter;
 * numbers as JSON prints them (1 and 1.0 parse to the same number).
 */
export function contentHash(batch: DetectionBatchV1): string {
  const { batchId: _id, deviceId: _device, sentAt: _sent, ...content } = batch;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value).sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A batch's idempotency key: device and batchId (uuids compared lower-case). Also the group-commit id. */
export const batchKey = (deviceId: string, batchId: string) => `${deviceId}/${batchId.toLowerCase()}`;
