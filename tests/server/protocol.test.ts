// Unit tests of the pure parts: the shared batch protocol (validateBatch vs. the JSON Schema
// run through Ajv), episode derivation, clip headers and the group committer.
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { LIMITS, batchSchemaV1, validateBatch } from '../../web/src/protocol/index.js';
import { deriveEpisodes } from '../../server/src/store/episodes.js';
import { readClipHeader } from '../../server/src/clips/audio-header.js';
import { GroupCommitter } from '../../server/src/temporal/group-commit.js';
import { batchWorkflowId } from '../../server/src/temporal/client.js';
import { schemaProblems } from '../../server/src/http/batch-schema.js';
import { makeBatch } from './helpers/batches.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const schemaValid = ajv.compile(batchSchemaV1);

/** Mutates a fresh valid batch; returns the result of both validators. */
function check(mutate: (b: any) => void) {
  const b: any = makeBatch();
  mutate(b);
  return { v: validateBatch(b), schema: schemaValid(b) };
}

describe('validateBatch (cryscope.batch/1)', () => {
  it('accepts a valid batch, and the JSON Schema agrees', () => {
    const { v, schema } = check(() => {});
    expect(v.ok).toBe(true);
    expect(schema).toBe(true);
  });

  const bad: [string, (b: any) => void, string][] = [
    ['wrong schema version', (b) => { b.schema = 'cryscope.batch/2'; }, '/schema'],
    ['batchId not a UUID', (b) => { b.batchId = 'abc'; }, '/batchId'],
    ['sessionId with a slash', (b) => { b.sessionId = 'a/b'; }, '/sessionId'],
    ['deviceId too long', (b) => { b.deviceId = 'x'.repeat(LIMITS.maxIdLength + 1); }, '/deviceId'],
    ['sentAt not ISO', (b) => { b.sentAt = 'yesterday'; }, '/sentAt'],
    ['windows not an array', (b) => { b.windows = 'many'; }, '/windows'],
    ['start is a string', (b) => { b.windows[0].start = '0.5'; }, '/windows/0/start'],
    ['negative start', (b) => { b.events[0].start = -1; }, '/events/0/start'],
    ['unknown label', (b) => { b.events[0].label = 'laugh'; }, '/events/0/label'],
    ['probability above 1', (b) => { b.windows[1].probs.fused[2] = 1.5; }, '/windows/1/probs/fused/2'],
    ['probability below 0', (b) => { b.windows[1].probs.yamnet[0] = -0.1; }, '/windows/1/probs/yamnet/0'],
    ['only 2 probabilities', (b) => { b.windows[0].probs.fused = [0.5, 0.5]; }, '/windows/0/probs/fused'],
    ['missing fused', (b) => { delete b.windows[0].probs.fused; }, '/windows/0/probs/fused'],
    ['unknown top-level property', (b) => { b.audio = 'AAAA'; }, '/audio'],
    ['time beyond 31 days', (b) => { b.windows[0].end = LIMITS.maxSessionSeconds + 1; }, '/windows/0/end'],
    ['too many windows', (b) => { b.windows = Array.from({ length: LIMITS.maxWindows + 1 }, () => b.windows[0]); }, '/windows'],
    ['too many events', (b) => { b.events = Array.from({ length: LIMITS.maxEvents + 1 }, () => b.events[0]); }, '/events'],
    // Issue #15: values PostgreSQL refuses must be refused before a 202.
    ['an offset of +23:59', (b) => { b.sentAt = '2026-01-01T00:00:00+23:59'; }, '/sentAt'],
    ['an offset of -12:01', (b) => { b.sentAt = '2026-01-01T00:00:00-12:01'; }, '/sentAt'],
    ['year 0000', (b) => { b.sentAt = '0000-01-01T00:00:00Z'; }, '/sentAt'],
    ['year 9999 (an episode would fall in year 10000)', (b) => { b.sessionStartedAt = '9999-12-31T23:59:00Z'; }, '/sessionStartedAt'],
    ['hour 24', (b) => { b.sessionStartedAt = '2026-01-01T24:00:00Z'; }, '/sessionStartedAt'],
    ['a leap second', (b) => { b.sessionStartedAt = '2026-12-31T23:59:60Z'; }, '/sessionStartedAt'],
    ['NUL in a model version', (b) => { b.models.core = 'a\u0000b'; }, '/models/core'],
    ['a lone surrogate in a model version', (b) => { b.models.yamnet = 'v\ud800'; }, '/models/yamnet'],
    ['a control character in a model version', (b) => { b.models.wav2vec2 = 'v1\n'; }, '/models/wav2vec2'],
    // Issue #14: the optional device state report.
    ['device not an object', (b) => { b.device = 'paused'; }, '/device'],
    ['device state "offline" (derived by the server, never reported)', (b) => { b.device = { state: 'offline', since: '2026-03-02T00:00:00Z' }; }, '/device/state'],
    ['an unknown device state', (b) => { b.device = { state: 'sleeping', since: '2026-03-02T00:00:00Z' }; }, '/device/state'],
    ['a device state without since', (b) => { b.device = { state: 'paused' }; }, '/device/since'],
    ['a device since that is not ISO', (b) => { b.device = { state: 'paused', since: 'now' }; }, '/device/since'],
    ['an unknown degraded reason', (b) => { b.device = { state: 'degraded', reasons: ['cosmic-rays'], since: '2026-03-02T00:00:00Z' }; }, '/device/reasons/0'],
    ['a repeated degraded reason', (b) => { b.device = { state: 'degraded', reasons: ['model-fallback', 'model-fallback'], since: '2026-03-02T00:00:00Z' }; }, '/device/reasons/1'],
    ['reasons not an array', (b) => { b.device = { state: 'degraded', reasons: 'microphone-ended', since: '2026-03-02T00:00:00Z' }; }, '/device/reasons'],
    ['an unknown property in device', (b) => { b.device = { state: 'paused', since: '2026-03-02T00:00:00Z', battery: 0.5 }; }, '/device/battery'],
  ];
  for (const [name, mutate, path] of bad) {
    it(`rejects ${name} at ${path}, as does the JSON Schema`, () => {
      const { v, schema } = check(mutate);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.errors.map((e) => e.path)).toContain(path);
      expect(schema).toBe(false);
    });
  }

  // Rules JSON Schema cannot express: validateBatch alone enforces them.
  const crossField: [string, (b: any) => void, string][] = [
    ['NaN timestamp', (b) => { b.windows[0].start = Number.NaN; }, '/windows/0/start'],
    ['Infinity timestamp', (b) => { b.windows[0].end = Number.POSITIVE_INFINITY; }, '/windows/0/end'],
    ['NaN probability', (b) => { b.events[1].peak = Number.NaN; }, '/events/1/peak'],
    ['end before start', (b) => { b.windows[0].end = b.windows[0].start - 0.1; }, '/windows/0/end'],
    ['offset without end', (b) => { delete b.events[1].end; }, '/events/1/end'],
    ['onset with end', (b) => { b.events[0].end = 3; }, '/events/0/end'],
    ['impossible date', (b) => { b.sessionStartedAt = '2026-13-45T99:00:00Z'; }, '/sessionStartedAt'],
    ['February 30', (b) => { b.sentAt = '2026-02-30T00:00:00Z'; }, '/sentAt'],
    ['February 29 of a common year', (b) => { b.sessionStartedAt = '2100-02-29T00:00:00Z'; }, '/sessionStartedAt'],
    ['April 31', (b) => { b.sessionStartedAt = '2026-04-31T12:00:00+02:00'; }, '/sessionStartedAt'],
    ['degraded without reasons', (b) => { b.device = { state: 'degraded', since: '2026-03-02T00:00:00Z' }; }, '/device/reasons'],
    ['degraded with no reason', (b) => { b.device = { state: 'degraded', reasons: [], since: '2026-03-02T00:00:00Z' }; }, '/device/reasons'],
    ['paused with a reason', (b) => { b.device = { state: 'paused', reasons: ['audio-suspended'], since: '2026-03-02T00:00:00Z' }; }, '/device/reasons'],
    ['stopped with a reason', (b) => { b.device = { state: 'stopped', reasons: ['audio-closed'], since: '2026-03-02T00:00:00Z' }; }, '/device/reasons'],
  ];
  for (const [name, mutate, path] of crossField) {
    it(`rejects ${name} at ${path}`, () => {
      const { v } = check(mutate);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.errors.map((e) => e.path)).toContain(path);
    });
  }

  it('accepts the device state reports (issue #14): listening, paused, degraded with reasons, stopped; the JSON Schema agrees', () => {
    const reports = [
      { state: 'stopped', since: '2026-03-02T00:00:05Z' },
      { state: 'listening', since: '2026-03-02T00:00:00.000Z' },
      { state: 'paused', since: '2026-03-02T00:00:00+01:00', reasons: [] },
      { state: 'degraded', reasons: ['microphone-ended', 'model-fallback', 'outbox-backlog'], since: '2026-03-02T00:00:00Z' },
    ];
    for (const device of reports) {
      const { v, schema } = check((b) => { b.device = device; b.windows = []; b.events = []; });
      expect(v.ok, JSON.stringify(device)).toBe(true);
      expect(schema, JSON.stringify(device)).toBe(true);
    }
  });

  it('accepts the edges PostgreSQL stores: leap days, +14:00, -12:00, +05:45, 1970, 9998, a surrogate pair; the JSON Schema agrees', () => {
    const edges: ((b: any) => void)[] = [
      (b) => { b.sentAt = '2024-02-29T23:59:59.999999999Z'; },
      (b) => { b.sentAt = '2000-02-29T00:00:00+14:00'; },
      (b) => { b.sessionStartedAt = '1970-01-01T00:00:00-12:00'; },
      (b) => { b.sessionStartedAt = '9998-12-31T23:59:59+05:45'; },
      (b) => { b.models.core = 'v1 \u{1F476} ü'; },
    ];
    for (const mutate of edges) {
      const { v, schema } = check(mutate);
      expect(v).toMatchObject({ ok: true });
      expect(schema).toBe(true);
    }
  });

  it('the server enforces the published JSON Schema (compiled with Ajv) and names the field', () => {
    expect(schemaProblems(makeBatch())).toEqual([]);
    const b: any = makeBatch();
    b.sentAt = '2026-01-01T00:00:00+23:59';
    b.models.core = 'v\u0000';
    expect(schemaProblems(b).map((p) => p.path)).toEqual(['/sentAt', '/models/core']);
    // No coercion: a numeric string stays a string and is refused.
    const c: any = makeBatch();
    c.windows[0].start = '0.5';
    expect(schemaProblems(c).map((p) => p.path)).toContain('/windows/0/start');
  });

  it('rejects non-objects with a message', () => {
    for (const x of [null, 3, 'batch', []]) {
      const v = validateBatch(x);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.errors[0].message).toMatch(/JSON object/);
    }
  });
});

describe('deriveEpisodes', () => {
  const events = makeBatch({
    events: [
      { type: 'onset', label: 'cry', start: 1, peak: 0.8 },
      { type: 'offset', label: 'cry', start: 1, end: 7, peak: 0.9, mean: 0.7 },
      { type: 'offset', label: 'scream', start: 20, end: 21.5, peak: 0.95 },
    ],
  }).events;

  it('keeps offsets at least minSeconds long, with absolute start and UTC day', () => {
    const eps = deriveEpisodes(events, '2026-03-01T23:59:50.000Z', 3);
    expect(eps).toHaveLength(1);
    expect(eps[0]).toMatchObject({ label: 'cry', startS: 1, endS: 7, durationS: 6, peak: 0.9, mean: 0.7, startedAt: '2026-03-01T23:59:51.000Z', day: '2026-03-01' });
  });

  it('a lower threshold admits the short scream, whose day rolls over at midnight UTC', () => {
    const eps = deriveEpisodes(events, '2026-03-01T23:59:50.000Z', 1);
    expect(eps.map((e) => e.label)).toEqual(['cry', 'scream']);
    expect(eps[1].day).toBe('2026-03-02');
    expect(eps[1].mean).toBeNull();
  });
});

describe('readClipHeader', () => {
  function wav(seconds: number, rate = 16000, channels = 1) {
    const data = Math.round(seconds * rate) * 2 * channels;
    const b = Buffer.alloc(44 + data);
    b.write('RIFF', 0); b.writeUInt32LE(36 + data, 4); b.write('WAVE', 8); b.write('fmt ', 12);
    b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(channels, 22); b.writeUInt32LE(rate, 24);
    b.writeUInt32LE(rate * 2 * channels, 28); b.writeUInt16LE(2 * channels, 32); b.writeUInt16LE(16, 34);
    b.write('data', 36); b.writeUInt32LE(data, 40);
    return b;
  }
  it('reads WAV duration, rate and channels', () => {
    expect(readClipHeader(wav(7.5, 44100, 2))).toEqual({ format: 'wav', sampleRate: 44100, channels: 2, durationSeconds: 7.5 });
  });
  it('rejects what is neither WAV nor FLAC', () => {
    expect(() => readClipHeader(Buffer.from('OggS0000000000000000000000000000000000000000'))).toThrow(/not a WAV/);
  });
});

describe('GroupCommitter', () => {
  it('starts the first item alone, groups what arrives meanwhile, and dedupes ids', async () => {
    const groups: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const gc = new GroupCommitter<string, number>(async (_items, ids) => {
      groups.push(ids);
      if (groups.length === 1) await gate;
      return groups.length;
    }, { maxInFlight: 1, maxBatches: 3 });
    const first = gc.submit('a', 'a', 1);
    const rest = ['b', 'c', 'c', 'd', 'e'].map((x) => gc.submit(x, x, 1));
    release();
    const results = await Promise.all([first, ...rest]);
    expect(groups).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
    expect(results).toEqual([1, 2, 2, 2, 3, 3]);
  });

  it('passes a failed start to every request of that group', async () => {
    const gc = new GroupCommitter<string, number>(async () => { throw new Error('down'); });
    await expect(Promise.all([gc.submit('a', 'a', 1), gc.submit('b', 'b', 1)])).rejects.toThrow('down');
  });
});

describe('batchWorkflowId', () => {
  const [a, b, c] = ['AAAAAAAA-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002', 'aaaaaaaa-0000-4000-8000-000000000003'];
  it('names a lone batch by its idempotency key (lower case)', () => {
    expect(batchWorkflowId([a])).toBe('batch-aaaaaaaa-0000-4000-8000-000000000001');
  });
  it('names a group by its exact set: same set, same id (any order); another set sharing the first batch, another id', () => {
    expect(batchWorkflowId([a, b])).toBe(batchWorkflowId([b, a.toLowerCase()]));
    expect(batchWorkflowId([a, b])).not.toBe(batchWorkflowId([a, c]));
    expect(batchWorkflowId([a, b])).toMatch(/^batches-[0-9a-f]{32}-n2$/);
  });
});
