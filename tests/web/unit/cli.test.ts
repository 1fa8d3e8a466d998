import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../../web/src/cli/args.js';
import { parseEvalManifest } from '../../../web/src/cli/manifest-csv.js';
import { computeMetrics, formatMetrics } from '../../../web/src/cli/metrics.js';
import { encodeWav, parseWav } from '../../../web/src/wav.js';
import { decodeAudio } from '../../../web/src/node/index.js';
import { SampleRing } from '../../../web/src/ring.js';

describe('parseArgs', () => {
  it('parses classify and eval with options', () => {
    expect(parseArgs(['classify', 'a.wav', 'b.flac', '--json'])).toMatchObject({ cmd: 'classify', files: ['a.wav', 'b.flac'], json: true });
    expect(parseArgs(['eval', 'm.csv', '--json', 'out.json', '--models', 'yamnet', '--fusion', 'mean', '--limit', '5']))
      .toMatchObject({ cmd: 'eval', manifest: 'm.csv', jsonOut: 'out.json', models: ['yamnet'], fusion: 'mean', limit: 5 });
    expect(parseArgs([])).toEqual({ cmd: 'help' });
    expect(parseArgs(['eval', '--help'])).toEqual({ cmd: 'help' });
  });
  it('rejects bad usage with a clear message', () => {
    expect(() => parseArgs(['frobnicate'])).toThrow(/unknown command "frobnicate"/);
    expect(() => parseArgs(['classify'])).toThrow(/at least one FILE/);
    expect(() => parseArgs(['eval', 'a.csv', 'b.csv'])).toThrow(/exactly one/);
    expect(() => parseArgs(['eval', 'a.csv', '--json'])).toThrow(/--json needs a value/);
    expect(() => parseArgs(['classify', 'a.wav', '--models', 'clap'])).toThrow(/unknown model "clap"/);
    expect(() => parseArgs(['classify', 'a.wav', '--fusion', 'max'])).toThrow(/--fusion must be one of/);
    expect(() => parseArgs(['classify', 'a.wav', '--colour'])).toThrow(UsageError);
  });
});

describe('computeMetrics', () => {
  it('matches hand-computed precision/recall/F1/confusion', () => {
    const truth = ['cry', 'cry', 'cry', 'scream', 'scream', 'normal', 'normal', 'normal'] as const;
    const pred = ['cry', 'cry', 'normal', 'scream', 'cry', 'normal', 'normal', 'scream'] as const;
    const m = computeMetrics([...truth], [...pred]);
    expect(m.confusion).toEqual([[2, 0, 1], [1, 1, 0], [0, 1, 2]]);
    expect(m.accuracy).toBeCloseTo(5 / 8);
    expect(m.per_class.cry).toEqual({ precision: 2 / 3, recall: 2 / 3, f1: expect.closeTo(2 / 3, 9), support: 3 });
    expect(m.per_class.scream.precision).toBeCloseTo(0.5);
    expect(m.per_class.scream.recall).toBeCloseTo(0.5);
    expect(m.macro_f1).toBeCloseTo((2 / 3 + 0.5 + 2 / 3) / 3);
    expect(formatMetrics('x', m)).toMatch(/macro-F1=0.611/);
  });
  it('gives 0 (not NaN) for a class never predicted', () => {
    const m = computeMetrics(['cry', 'scream'], ['cry', 'cry']);
    expect(m.per_class.scream).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(Number.isNaN(m.macro_f1)).toBe(false);
  });
});

describe('parseEvalManifest', () => {
  it('accepts file|path|file_path columns, resolves paths relative to the manifest, flags bad labels', () => {
    const rows = parseEvalManifest('id,File_Path,label,extra\n1,a/x.flac,cry,1\n2,/abs/y.wav,SCREAM,2\n3,z.wav,dog,3\n', '/data/set/m.csv');
    expect(rows.map((r) => r.path)).toEqual(['/data/set/a/x.flac', '/abs/y.wav', '/data/set/z.wav']);
    expect(rows[1].label).toBe('scream');
    expect(rows[2].problem).toMatch(/unknown label "dog"/);
    expect(rows[2].line).toBe(4);
  });
  it('needs a path and a label column', () => {
    expect(() => parseEvalManifest('name,label\nx,cry\n', 'm.csv')).toThrow(/path column/);
    expect(() => parseEvalManifest('file,class\nx,cry\n', 'm.csv')).toThrow(/"label" column/);
  });
});

describe('WAV parsing and decodeAudio', () => {
  it('round-trips 16-bit PCM and mixes stereo to mono', async () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 10) * 0.5);
    const back = parseWav(encodeWav(x, 44100));
    expect(back.sampleRate).toBe(44100);
    expect(back.samples.length).toBe(1000);
    expect(Math.max(...back.samples.map((v, i) => Math.abs(v - x[i])))).toBeLessThan(1e-4);
    // stereo float32: L=1, R=0 → 0.5
    const buf = new ArrayBuffer(44 + 8 * 4);
    const dv = new DataView(buf);
    const w = (o: number, s: string) => [...s].forEach((c, i) => dv.setUint8(o + i, c.charCodeAt(0)));
    w(0, 'RIFF'); dv.setUint32(4, 36 + 32, true); w(8, 'WAVE'); w(12, 'fmt '); dv.setUint32(16, 16, true);
    dv.setUint16(20, 3, true); dv.setUint16(22, 2, true); dv.setUint32(24, 8000, true); dv.setUint32(28, 64000, true); dv.setUint16(32, 8, true); dv.setUint16(34, 32, true);
    w(36, 'data'); dv.setUint32(40, 32, true);
    for (let i = 0; i < 4; i++) { dv.setFloat32(44 + i * 8, 1, true); dv.setFloat32(48 + i * 8, 0, true); }
    const st = await decodeAudio(new Uint8Array(buf));
    expect([...st.samples]).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
  it('rejects unknown formats and broken WAVs clearly', async () => {
    await expect(decodeAudio(new TextEncoder().encode('hello world, not audio'))).rejects.toThrow(/unsupported audio format/);
    const bad = encodeWav(new Float32Array(4), 16000);
    bad[20] = 2; // format code 2 (ADPCM)
    expect(() => parseWav(bad)).toThrow(/unsupported encoding/);
    expect(() => parseWav(encodeWav(new Float32Array(4), 16000).slice(0, 30))).toThrow(/fmt chunk|data chunk/);
  });
  it('decodes a real FLAC from ../shared', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const shared = process.env.CRYSCOPE_SHARED ?? join(__dirname, '../../../../shared');
    const dir = join(shared, 'data/scream/scream');
    const f = readdirSync(dir).find((n) => n.endsWith('.flac'))!;
    const a = await decodeAudio(new Uint8Array(readFileSync(join(dir, f))));
    expect(a.sampleRate).toBe(16000);
    expect(a.samples.length).toBeGreaterThan(16000 * 0.5);
    expect(a.samples.some((v) => Math.abs(v) > 0.01)).toBe(true);
  });
});

describe('SampleRing', () => {
  it('passes samples in order across wrap-around and counts drops when full', () => {
    const r = SampleRing.create(8);
    expect(r.write(Float32Array.from([1, 2, 3, 4, 5]))).toBe(0);
    expect([...r.read()]).toEqual([1, 2, 3, 4, 5]);
    expect(r.write(Float32Array.from([6, 7, 8, 9, 10, 11]))).toBe(0); // wraps
    expect([...r.read()]).toEqual([6, 7, 8, 9, 10, 11]);
    expect(r.write(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toBe(2); // capacity-1 = 7 fit
    expect(r.dropped()).toBe(2);
    expect(r.read().length).toBe(7);
    expect(r.available()).toBe(0);
  });
});
