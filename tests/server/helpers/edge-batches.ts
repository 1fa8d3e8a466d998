/**
 * Batches generated from the edges of the cryscope.batch/1 JSON Schema and of what PostgreSQL
 * stores (issue #15): calendar and offset limits, years, strings with NUL / surrogates /
 * quotes, numbers at and just past their bounds, denormals. Deterministic (seeded), so a
 * failure names a reproducible case. Each generated batch is either valid or invalid; the
 * test does not need to know which — it checks that the server's answer and storage agree.
 */
import { LIMITS, type DetectionBatchV1 } from 'cryscope/protocol';

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TIMES = [
  // valid edges
  '1970-01-01T00:00:00Z', '9998-12-31T23:59:59.999999999+14:00', '2024-02-29T12:00:00-12:00',
  '2026-06-15T08:30:00.5+05:45', '2000-02-29T00:00:00.000Z', '9998-12-31T23:59:59Z', '1970-01-01T00:00:00+14:00',
  // invalid edges (PostgreSQL or the format refuses them)
  '2026-02-30T00:00:00Z', '2026-01-01T00:00:00+23:59', '0000-01-01T00:00:00Z', '9999-12-31T23:59:00Z',
  '2026-01-01T24:00:00Z', '2026-01-01T23:59:60Z', '2023-02-29T00:00:00Z', '2026-01-01T00:00:00+15:00',
  '2026-04-31T00:00:00Z', '2026-00-10T00:00:00Z', '1969-12-31T23:59:59Z', '2026-01-01T00:00:00-12:30',
  '2026-01-01 00:00:00Z', '2026-01-01T00:00:00', '+002026-01-01T00:00:00Z',
];
const VERSIONS = [
  'a', 'x'.repeat(LIMITS.maxVersionLength), 'x'.repeat(LIMITS.maxVersionLength + 1), '', 'v\u0000', 'v\ud800', '\udc00x',
  'v\u{1F476}', 'ü', 'v\u007f', ' ', "'; DROP TABLE batches; --", '\\', '"', 'v\t1', '\ufffd', '\u2028',
];
const SECONDS = [0, 0.1, 5e-324, 1e-300, 1, 3.5, 1e6, LIMITS.maxSessionSeconds, LIMITS.maxSessionSeconds + 1e-6, -0, -1e-9];
const PROBS = [0, 1, 1e-320, 0.5, 0.9999999999999999, 1.0000000000000002, -1e-300];

function randomTime(r: () => number): string {
  const year = 1960 + Math.floor(r() * 8050);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const offH = Math.floor(r() * 31) - 15;
  const zone = r() < 0.3 ? 'Z' : `${offH < 0 ? '-' : '+'}${p2(Math.abs(offH))}:${p2(Math.floor(r() * 4) * 15)}`;
  return `${String(year).padStart(4, '0')}-${p2(1 + Math.floor(r() * 12))}-${p2(1 + Math.floor(r() * 31))}T${p2(Math.floor(r() * 24))}:${p2(Math.floor(r() * 60))}:${p2(Math.floor(r() * 60))}${zone}`;
}

/** One batch for `sessionId`; `mostlyValid` keeps most fields ordinary so valid edge cases occur often. */
export function edgeBatch(r: () => number, batchId: string, sessionId: string, deviceId: string): DetectionBatchV1 {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const edgy = () => r() < 0.25;
  const time = () => (edgy() ? (r() < 0.7 ? pick(TIMES) : randomTime(r)) : '2026-03-01T10:00:00.000Z');
  const sec = () => (edgy() ? pick(SECONDS) : Math.round(r() * 1000) / 10);
  const prob = () => (edgy() ? pick(PROBS) : Math.round(r() * 100) / 100);
  const models: Record<string, string> = {};
  for (const k of ['yamnet', 'wav2vec2', 'core']) if (r() < 0.5) models[k] = edgy() ? pick(VERSIONS) : `v${Math.floor(r() * 10)}`;
  const windows = Array.from({ length: Math.floor(r() * 4) }, () => {
    const start = sec();
    const end = r() < 0.9 ? start + (r() < 0.5 ? 0 : 0.975) : sec();
    return { start, end, probs: { fused: [prob(), prob(), prob()] as [number, number, number] } };
  });
  const events = Array.from({ length: Math.floor(r() * 3) }, () => {
    const start = sec();
    const offset = r() < 0.6;
    const ev: any = { type: offset ? 'offset' : 'onset', label: r() < 0.5 ? 'cry' : 'scream', start, peak: prob() };
    if (offset) ev.end = r() < 0.9 ? start + Math.floor(r() * 8) : sec();
    if (r() < 0.5) ev.mean = prob();
    return ev;
  });
  const batch: DetectionBatchV1 = { schema: 'cryscope.batch/1', batchId, sessionId, deviceId, sentAt: time(), sessionStartedAt: time(), models, windows, events };
  // Issue #14: the optional device state report, drawn last so the fields above stay as they were.
  if (r() < 0.3) {
    const device: any = { state: pick(STATES), since: time() };
    if (r() < 0.6) device.reasons = Array.from({ length: Math.floor(r() * 3) }, () => pick(REASONS));
    batch.device = device;
  }
  return batch;
}

/** Device states and reasons, valid and not ('offline' is derived, never reported). */
const STATES = ['listening', 'paused', 'degraded', 'degraded', 'stopped', 'offline', 'Paused', ''];
const REASONS = ['microphone-ended', 'model-fallback', 'outbox-backlog', 'audio-interrupted', 'unplugged', 'microphone-ended\u0000'];
