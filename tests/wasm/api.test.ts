// Behaviour of the JS API itself: shapes, streaming equivalence, zero-copy input, Decider output.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CryscopeCore } from '../../wasm/cryscope_core';
import { DIST, loadCore, maxAbsDiff, tone } from './helpers';

let core: CryscopeCore;
beforeAll(async () => {
  core = await loadCore();
});

describe('module', () => {
  it('exposes a semver version', () => expect(core.version).toMatch(/^\d+\.\d+\.\d+/));
  it('loads from wasmBinary without touching the file system (AudioWorklet path)', async () => {
    const bytes = readFileSync(join(DIST, 'cryscope_core.wasm'));
    const c2 = await loadCore({ wasmBinary: bytes, locateFile: () => '/nonexistent/cryscope_core.wasm' });
    expect(c2.version).toBe(core.version);
    expect(c2.logMel(new Float32Array(16000)).length).toBe(core.logMel(new Float32Array(16000)).length);
  });
});

describe('Resampler', () => {
  it('any chunking equals one call (streaming-exact)', () => {
    const x = tone(44100, 1.0);
    const one = new core.Resampler(44100);
    const whole = Array.from(one.process(x)).concat(Array.from(one.flush()));
    const r = new core.Resampler(44100);
    const parts: number[] = [];
    for (let i = 0, k = 1; i < x.length; i += k, k = (k * 7 + 3) % 977) parts.push(...r.process(x.subarray(i, i + k)));
    parts.push(...r.flush());
    expect(parts.length).toBe(whole.length);
    expect(Math.abs(parts.length - 16000)).toBeLessThan(4);
    expect(maxAbsDiff(parts, whole)).toBeLessThanOrEqual(1e-6);
    one.delete();
    r.delete();
  });

  it('zero-copy inputBuffer/processInput equals process()', () => {
    const x = tone(48000, 0.5);
    const a = new core.Resampler(48000);
    const b = new core.Resampler(48000);
    const out1: number[] = [];
    const out2: number[] = [];
    for (let i = 0; i < x.length; i += 128) {
      const chunk = x.subarray(i, i + 128);
      out1.push(...a.process(chunk));
      b.inputBuffer(chunk.length).set(chunk);  // fetch the view right before use
      out2.push(...b.processInput(chunk.length));
    }
    expect(out2).toEqual(out1);
    expect(b.inputRate).toBe(48000);
    expect(b.latencyInputSamples).toBeGreaterThan(0);
    a.delete();
    b.delete();
  });

  it('returns copies that later calls do not overwrite', () => {
    const r = new core.Resampler(48000);
    const first = r.process(tone(48000, 0.1, 1));
    const snapshot = Array.from(first);
    r.process(tone(48000, 0.1, 99));
    expect(Array.from(first)).toEqual(snapshot);
    r.delete();
  });
});

describe('StreamFrontEnd', () => {
  function collect(fe: any, x: Float32Array, chunker: (i: number) => number, zeroCopy = false) {
    const out: any[] = [];
    for (let i = 0, k = chunker(0); i < x.length; i += k, k = chunker(i)) {
      const chunk = x.subarray(i, i + k);
      if (zeroCopy) {
        fe.inputBuffer(chunk.length).set(chunk);
        fe.pushInput(chunk.length);
      } else {
        fe.push(chunk);
      }
      for (let w = fe.pop(); w; w = fe.pop()) out.push(w);
    }
    fe.flush();
    for (let w = fe.pop(); w; w = fe.pop()) out.push(w);
    return out;
  }

  it('windows do not depend on chunking or on the zero-copy path', () => {
    const x = tone(48000, 3.3, 5);
    const a = new core.StreamFrontEnd({ inputSampleRate: 48000 });
    const b = new core.StreamFrontEnd({ inputSampleRate: 48000 });
    const c = new core.StreamFrontEnd({ inputSampleRate: 48000 });
    const wa = collect(a, x, () => x.length);
    const wb = collect(b, x, (i) => 1 + ((i * 31) % 700));
    const wc = collect(c, x, () => 128, true);
    expect(wa.length).toBeGreaterThan(5);
    for (const other of [wb, wc]) {
      expect(other.map((w: any) => [w.model, w.start, w.end])).toEqual(wa.map((w: any) => [w.model, w.start, w.end]));
      other.forEach((w: any, i: number) => expect(maxAbsDiff(w.data, wa[i].data)).toBeLessThanOrEqual(1e-6));
    }
    [a, b, c].forEach((f) => f.delete());
  });

  it('survives heap growth: one 60 s push equals 128-sample pushes', () => {
    const x = tone(48000, 60, 9);  // 11.5 MB in one call: the staging buffer and the heap grow
    const heapBefore = (core as any).HEAPU8.length;
    const big = new core.StreamFrontEnd({ inputSampleRate: 48000 });
    const small = new core.StreamFrontEnd({ inputSampleRate: 48000 });
    const wb = collect(big, x, () => x.length);
    const ws = collect(small, x, () => 128);
    expect((core as any).HEAPU8.length).toBeGreaterThan(heapBefore);  // growth really happened
    expect(wb.length).toBe(ws.length);
    expect(wb.length).toBeGreaterThan(200);
    let worst = 0;
    wb.forEach((w: any, i: number) => {
      expect([w.model, w.start, w.end]).toEqual([ws[i].model, ws[i].start, ws[i].end]);
      worst = Math.max(worst, maxAbsDiff(w.data, ws[i].data));
    });
    expect(worst).toBeLessThanOrEqual(1e-6);
    big.delete();
    small.delete();
  });

  it('emits YAMNet patches of 96×64 and Wav2Vec2 windows of the configured length', () => {
    const fe = new core.StreamFrontEnd({ inputSampleRate: 16000, wav2vec2WindowSeconds: 1.5, enableYamnet: true });
    expect(fe.push(tone(16000, 2.0))).toBeGreaterThan(0);
    const ws: any[] = [];
    for (let w = fe.pop(); w; w = fe.pop()) ws.push(w);
    const y = ws.filter((w) => w.model === 'yamnet');
    const v = ws.filter((w) => w.model === 'wav2vec2');
    expect(y.map((w) => w.start)).toEqual([0, 0.5, 1.0]);
    expect(y.every((w) => w.data.length === 96 * 64 && Math.abs(w.end - w.start - 0.975) < 1e-9)).toBe(true);
    expect(v.map((w) => [w.start, w.end])).toEqual([[0, 1.5], [0.5, 2.0]]);
    expect(v.every((w) => w.data.length === 24000)).toBe(true);
    const mean = v[0].data.reduce((s: number, q: number) => s + q, 0) / v[0].data.length;
    expect(Math.abs(mean)).toBeLessThan(1e-3);  // normalised
    expect(fe.streamSeconds).toBeCloseTo(2.0, 9);
    fe.delete();
  });

  it('rejects bad options and input with JS Errors and keeps working', () => {
    expect(() => new core.StreamFrontEnd({} as any)).toThrow(/inputSampleRate is required/);
    expect(() => new core.StreamFrontEnd({ inputSampleRate: 7000 })).toThrow(/8000/);
    expect(() => new core.StreamFrontEnd({ inputSampleRate: 16000, enableYamnet: false, enableWav2vec2: false })).toThrow();
    expect(() => new core.StreamFrontEnd({ inputSampleRate: 16000, enableYamnet: 'yes' } as any)).toThrow(/true or false/);
    expect(() => new core.StreamFrontEnd({ inputSampleRate: 16000, hopSeconds: 1 } as any)).toThrow(/unknown option "hopSeconds"/);
    const fe = new core.StreamFrontEnd({ inputSampleRate: 16000 });
    const bad = tone(16000, 0.5);
    bad[7] = -Infinity;
    expect(() => fe.push(bad)).toThrow(/sample 7/);
    expect(fe.streamSeconds).toBe(0);  // rejected whole
    fe.push(tone(16000, 1.0));
    expect(fe.pending).toBe(1);
    fe.flush();
    expect(() => fe.push(tone(16000, 0.1))).toThrow(/flushed/);
    fe.reset();
    expect(fe.push(tone(16000, 1.0))).toBe(1);
    fe.delete();
  });
});

describe('normalizeWav2Vec2', () => {
  it('gives zero mean and unit variance, and rejects empty input', () => {
    const x = tone(16000, 1).map((v) => 3 * v + 1);
    const y = core.normalizeWav2Vec2(x);
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    const variance = y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length;
    expect(Math.abs(mean)).toBeLessThan(1e-5);
    expect(variance).toBeCloseTo(1, 4);
    expect(() => core.normalizeWav2Vec2(new Float32Array(0))).toThrow(/empty/);
  });
});

describe('log-mel', () => {
  it('pads short clips like YAMNet (≥ one patch) and frames at 10 ms', () => {
    const lm = core.logMel(new Float32Array(1600));  // 0.1 s → padded to 15600 → 96 frames
    expect(lm.length).toBe(96 * 64);
    expect(core.logMelPatches(new Float32Array(1600)).length).toBe(96 * 64);
    expect(lm[0]).toBeCloseTo(Math.log(0.001), 5);  // silence → log(0 + 0.001)
    // 3 s: padded to 15600 + 5·7680 = 54000 → 1 + (54000−400)/160 = 336 frames, 6 patches
    expect(core.logMel(tone(16000, 3)).length).toBe(336 * 64);
    expect(core.logMelPatches(tone(16000, 3)).length).toBe(6 * 96 * 64);
  });
});

describe('Decider', () => {
  const fusion = JSON.stringify({
    labels: ['cry', 'scream', 'normal'], default: 'weighted_mean', weights: [0.75, 0.25],
  });

  it('returns the contract shape and events over a cry episode', () => {
    const d = new core.Decider({
      fusion, smoothing: { method: 'none' }, minDurationSeconds: 1.0, cooldownSeconds: 2.0,
      thresholds: { cry: { on: 0.6, off: 0.4 }, scream: { on: 0.6, off: 0.4 } },
    });
    expect(d.method).toBe('weighted_mean');
    const quiet = new Float32Array([0.05, 0.05, 0.9]);
    const cry = new Float32Array([0.9, 0.05, 0.05]);
    const seq = [quiet, cry, cry, cry, cry, quiet, quiet];
    const all: any[] = [];
    seq.forEach((p, i) => {
      const out = d.update({ time: i * 0.5, yamnet: p, wav2vec2: i === 3 ? null : p });
      expect(out.time).toBe(i * 0.5);
      expect(out.fused).toHaveLength(3);
      expect(out.smoothed).toEqual(out.fused);
      expect(out.method).toBe('weighted_mean');
      expect(out.models).toEqual(i === 3 ? ['yamnet'] : ['yamnet', 'wav2vec2']);
      expect(out.degraded).toBe(i === 3);
      all.push(...out.events.map((e) => ({ ...e, at: out.time })));
    });
    expect(all).toHaveLength(2);
    expect(all[0]).toMatchObject({ type: 'onset', label: 'cry', start: 0.5, at: 1.5 });
    expect(all[0].end).toBeUndefined();
    expect(all[1]).toMatchObject({ type: 'offset', label: 'cry', start: 0.5, end: 2.5 });
    expect(all[1].peak).toBeCloseTo(0.9, 6);
    expect(all[1].mean).toBeCloseTo(0.9, 6);
    d.delete();
  });

  it('flush closes an open episode and reset forgets everything', () => {
    const d = new core.Decider({ smoothing: { method: 'none' }, minDurationSeconds: 0 });
    const scream = [0.05, 0.9, 0.05];
    expect(d.update({ time: 10, wav2vec2: scream }).events).toMatchObject([{ type: 'onset', label: 'scream' }]);
    expect(d.flush(12.5)).toEqual([
      { type: 'offset', label: 'scream', start: 10, end: 12.5, peak: expect.any(Number), mean: expect.any(Number) },
    ]);
    expect(d.flush(0)).toEqual([]);
    d.update({ time: 1, wav2vec2: scream });
    d.reset();
    expect(d.flush(0)).toEqual([]);
    d.delete();
  });

  it('accepts the fusion JSON as an object and plain arrays as probabilities', () => {
    const d = new core.Decider({ fusion: JSON.parse(fusion), method: 'vote', smoothing: { method: 'none' } });
    const out = d.update({ time: 0, yamnet: [0.5, 0.3, 0.2], wav2vec2: [0.2, 0.5, 0.3] });
    expect(out.method).toBe('vote');
    // 1–1 tie on votes: cry (mean .35) vs scream (mean .4) → scream wins, normal gets ≤ .25
    expect(out.fused[1]).toBeGreaterThan(out.fused[0]);
    expect(out.fused[2]).toBeLessThanOrEqual(0.25);
    d.delete();
  });
});
